"""The roles' trust policies and the events queue's policy, as moto stored them from the component, evaluated.

parliament cannot lint a trust policy (it has no trust-policy mode), and moto enforces neither kind, so
the offline IAM simulator evaluates each as the resource policy of the request: AWS services assume the roles,
and EventBridge delivers to the queue, only from this stack's account and rule.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.support.iam.simulator import Authorization, evaluate
from tests.support.moto.component_in_moto import DeployedStack, Mode

pytestmark = pytest.mark.moto

ECS_TASKS = "ecs-tasks.amazonaws.com"
ANOTHER_ACCOUNT = "210987654321"


def _trust_policies(aws: boto3.Session, stack: DeployedStack) -> dict[str, dict[str, Any]]:
    """Each role's trust policy as IAM (moto) returns it, by role ARN."""
    iam = aws.client("iam")
    policies = {}
    for role in stack.of_type("aws:iam/role:Role"):
        stored = iam.get_role(RoleName=role.id)["Role"]
        document = stored["AssumeRolePolicyDocument"]
        policies[stored["Arn"]] = json.loads(document) if isinstance(document, str) else document
    return policies


def _assume(policy: dict[str, Any], role_arn: str, *, principal: str, source_account: str, account: str) -> str:
    (decision,) = evaluate(
        [Authorization("sts:AssumeRole", role_arn, {"aws:SourceAccount": source_account})],
        {},
        principal=principal,
        account_id=account,
        resource_policy=policy,
    )
    return decision


@pytest.mark.parametrize("mode", ["push", "worker"])
def test_ecs_tasks_of_this_account_assume_every_role(
    aws: boto3.Session, stacks: dict[Mode, DeployedStack], mode: Mode
) -> None:
    """ECS tasks started in the stack's account may assume each role the stack created."""
    stack = stacks[mode]
    policies = _trust_policies(aws, stack)
    assert len(policies) == (2 if mode == "push" else 4)
    decisions = {
        arn: _assume(policy, arn, principal=ECS_TASKS, source_account=stack.account, account=stack.account)
        for arn, policy in policies.items()
    }
    assert set(decisions.values()) == {"Allowed"}, decisions


@pytest.mark.parametrize("mode", ["push", "worker"])
@pytest.mark.parametrize(
    ("principal", "source_account"),
    [
        (ECS_TASKS, ANOTHER_ACCOUNT),
        ("ec2.amazonaws.com", None),
        ("lambda.amazonaws.com", None),
        ("arn:aws:iam::{account}:user/someone", None),
    ],
    ids=["ecs-of-another-account", "ec2", "lambda", "a-user-of-the-account"],
)
def test_no_one_else_assumes_a_role(
    aws: boto3.Session,
    stacks: dict[Mode, DeployedStack],
    mode: Mode,
    principal: str,
    source_account: str | None,
) -> None:
    """Another account's ECS tasks (the confused deputy), another service or a user of the account cannot."""
    stack = stacks[mode]
    decisions = {
        arn: _assume(
            policy,
            arn,
            principal=principal.format(account=stack.account),
            source_account=source_account or stack.account,
            account=stack.account,
        )
        for arn, policy in _trust_policies(aws, stack).items()
    }
    assert set(decisions.values()) == {"ImplicitlyDenied"}, decisions


def _queue_decisions(aws: boto3.Session, stack: DeployedStack, requests: list[tuple[str, str, str]]) -> list[str]:
    """Decisions on (principal, action, source ARN) sending to the events queue, under the policy moto stored."""
    queue = stack.resource("aws:sqs/queue:Queue", f"{stack.name}-task-events")
    policy = aws.client("sqs").get_queue_attributes(QueueUrl=queue.id, AttributeNames=["Policy"])["Attributes"][
        "Policy"
    ]
    return [
        decision
        for principal, action, source in requests
        for decision in evaluate(
            [Authorization(action, queue.outputs["arn"], {"aws:SourceArn": source})],
            {},
            principal=principal,
            account_id=stack.account,
            resource_policy=json.loads(policy),
        )
    ]


def test_only_the_stacks_rule_delivers_to_the_events_queue(
    aws: boto3.Session, stacks: dict[Mode, DeployedStack]
) -> None:
    """EventBridge may send to the queue for the stack's rule; not for another rule, nor read it, nor may a user."""
    stack = stacks["worker"]
    rule_arn = stack.resource("aws:cloudwatch/eventRule:EventRule", f"{stack.name}-task-events").outputs["arn"]
    other_rule = rule_arn.rsplit("/", 1)[0] + "/someone-elses-rule"
    user = f"arn:aws:iam::{stack.account}:user/someone"
    assert _queue_decisions(
        aws,
        stack,
        [
            ("events.amazonaws.com", "sqs:SendMessage", rule_arn),
            ("events.amazonaws.com", "sqs:SendMessage", other_rule),
            ("events.amazonaws.com", "sqs:ReceiveMessage", rule_arn),
            ("sns.amazonaws.com", "sqs:SendMessage", rule_arn),
            (user, "sqs:SendMessage", rule_arn),
        ],
    ) == ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied", "ImplicitlyDenied", "ImplicitlyDenied"]
