"""The flow-run execution role, evaluated on what the ECS agent does with it.

The agent's calls are not recorded here (the agent is AWS's); they are the ones AWS documents for a task
execution role: pulling a private ECR image (ecr:GetAuthorizationToken, ecr:BatchCheckLayerAvailability,
ecr:GetDownloadUrlForLayer, ecr:BatchGetImage), sending container logs with awslogs (logs:CreateLogStream,
logs:PutLogEvents) and reading Secrets Manager secrets named in `secrets` (secretsmanager:GetSecretValue),
from "Amazon ECS task execution IAM role" in the Amazon ECS Developer Guide.
"""

from __future__ import annotations

import copy

import pytest

from prefect_ecs_platform.aws.iam_policies import execution_role_policy
from tests.support.iam.simulator import Authorization, evaluate

pytestmark = pytest.mark.node

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/data-execution"
REPOSITORY = f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/data-flows"
LOG_GROUP = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/prefect/data/flow-runs-1"
SECRET = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:data-prefect-api-key-1a2b3c4-AbCdEf"
STREAM = f"{LOG_GROUP}:log-stream:ecs-dev/prefect/0123456789abcdef"

AGENT_CALLS = [
    Authorization("ecr:GetAuthorizationToken", "*", why="image pull: registry login"),
    Authorization("ecr:BatchCheckLayerAvailability", REPOSITORY, why="image pull"),
    Authorization("ecr:GetDownloadUrlForLayer", REPOSITORY, why="image pull"),
    Authorization("ecr:BatchGetImage", REPOSITORY, why="image pull"),
    Authorization("logs:CreateLogStream", STREAM, why="awslogs: the task's stream"),
    Authorization("logs:PutLogEvents", STREAM, why="awslogs: the container's output"),
    Authorization("secretsmanager:GetSecretValue", SECRET, why="secrets: PREFECT_API_KEY"),
]


def _policy() -> dict:
    return execution_role_policy(repository_arn=REPOSITORY, log_group_arn=LOG_GROUP, secret_arns=[SECRET])


def _decide(policy: dict, calls: list[Authorization]) -> list[str]:
    return evaluate(calls, {"execution": policy}, principal=ROLE, account_id=ACCOUNT)


def test_the_agents_calls_are_allowed() -> None:
    """Every documented agent call on the stack's repository, group and secret is Allowed."""
    assert _decide(_policy(), AGENT_CALLS) == ["Allowed"] * len(AGENT_CALLS)


@pytest.mark.parametrize("statement", range(len(_policy()["Statement"])))
def test_every_statement_is_needed(statement: int) -> None:
    """Without any one statement, some agent call is denied: the role grants nothing unused."""
    policy = copy.deepcopy(_policy())
    removed = policy["Statement"].pop(statement)
    assert "ImplicitlyDenied" in _decide(policy, AGENT_CALLS), removed["Sid"]


@pytest.mark.parametrize(
    ("call", "elsewhere"),
    [
        (AGENT_CALLS[3], REPOSITORY.replace("data-flows", "someone-elses-images")),
        (AGENT_CALLS[5], STREAM.replace("/prefect/data/flow-runs-1", "/aws/lambda/billing")),
        (AGENT_CALLS[6], SECRET.replace("data-prefect-api-key-1a2b3c4", "prod-database-password")),
    ],
    ids=["another-repository", "another-log-group", "another-secret"],
)
def test_the_same_calls_on_other_resources_are_denied(call: Authorization, elsewhere: str) -> None:
    """Pulls, log writes and secret reads are scoped to the stack's own repository, group and secrets."""
    assert _decide(_policy(), [Authorization(call.action, elsewhere, why=call.why)]) == ["ImplicitlyDenied"]
