"""IAM documents: each statement scoped to the ARNs it is given, wildcards only where AWS needs them."""

from __future__ import annotations

import json
from typing import Any

from prefect_ecs_platform.aws.iam_policies import (
    WILDCARD_STATEMENTS,
    ecs_tasks_trust_policy,
    execution_role_policy,
    run_flows_policy,
    worker_role_policy,
)

CLUSTER = "arn:aws:ecs:eu-west-1:123456789012:cluster/data-cluster"
EXECUTION = "arn:aws:iam::123456789012:role/data-execution"
TASK = "arn:aws:iam::123456789012:role/data-task"
LOGS = "arn:aws:logs:eu-west-1:123456789012:log-group:/prefect/data/flow-runs-1"
REPO = "arn:aws:ecr:eu-west-1:123456789012:repository/data-flows"
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:data-prefect-api-key-AbCdEf"


def by_sid(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in document["Statement"]}


def resources(statement: dict[str, Any]) -> list[str]:
    value = statement["Resource"]
    return value if isinstance(value, list) else [value]


def test_trust_policy_admits_only_ecs_tasks_of_this_account() -> None:
    """Roles are assumable by ecs-tasks only, and only from this account."""
    [statement] = ecs_tasks_trust_policy("123456789012")["Statement"]
    assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_execution_role_reads_only_this_repository_group_and_secret() -> None:
    """Image pull, log writes and the secret read are each scoped to the stack's own ARN."""
    statements = by_sid(execution_role_policy(repository_arn=REPO, log_group_arn=LOGS, secret_arns=[SECRET]))
    assert statements["PullFlowImage"]["Resource"] == REPO
    assert statements["WriteFlowRunLogs"]["Resource"] == f"{LOGS}:log-stream:*"
    assert statements["ReadPrefectCredentials"] == {
        "Sid": "ReadPrefectCredentials",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": [SECRET],
    }


def test_execution_role_without_ecr_or_secret_grants_neither() -> None:
    """A public prebuilt image and a keyless server need no ECR or Secrets Manager access."""
    statements = by_sid(execution_role_policy(repository_arn=None, log_group_arn=LOGS, secret_arns=[]))
    assert set(statements) == {"WriteFlowRunLogs"}


RUN_FLOWS: dict[str, Any] = {
    "cluster_arn": CLUSTER,
    "execution_role_arn": EXECUTION,
    "task_role_arn": TASK,
    "work_pool_name": "ecs-prod",
}
STACKS_FAMILY = "arn:aws:ecs:eu-west-1:123456789012:task-definition/prefect_ecs-prod:*"
REGISTERED_FAMILIES = "arn:aws:ecs:eu-west-1:123456789012:task-definition/prefect_ecs-prod_*"
WORKER_EXTRAS: dict[str, Any] = {"log_group_arn": LOGS, "events_queue_arn": "arn:aws:sqs:eu-west-1:123456789012:q"}


def test_push_user_runs_the_stacks_task_definition_and_may_register_only_as_a_fallback() -> None:
    """Push: RunTask on the stack's family and on the families prefect-aws would register for this pool."""
    statements = by_sid(run_flows_policy(**RUN_FLOWS))
    assert statements["RunThisPoolsTasksOnThisCluster"]["Resource"] == [STACKS_FAMILY, REGISTERED_FAMILIES]
    assert statements["RegisterThisPoolsTaskDefinitionsIfPrefectCloudIgnoresTheStacks"]["Resource"] == (
        REGISTERED_FAMILIES
    )
    assert statements["DescribeTaskDefinitionsAcceptOnlyWildcard"]["Action"] == "ecs:DescribeTaskDefinition"
    assert statements["TagTasksAndDefinitionsAtCreation"]["Resource"][1] == REGISTERED_FAMILIES


def test_worker_registers_and_deregisters_nothing_and_runs_only_the_stacks_family() -> None:
    """Worker mode: no RegisterTaskDefinition or DeregisterTaskDefinition; RunTask and tagging on its own only."""
    document = worker_role_policy(**RUN_FLOWS, **WORKER_EXTRAS)
    statements = by_sid(document)
    assert not {"ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition"} & actions_of(document)
    assert statements["RunThisPoolsTasksOnThisCluster"]["Resource"] == STACKS_FAMILY
    assert statements["TagTasksAtCreation"]["Condition"] == {"StringEquals": {"ecs:CreateAction": "RunTask"}}


def test_with_the_switch_runs_register_this_pools_families_and_run_only_those() -> None:
    """prefect_registers_task_definitions: prefect-aws's families only, as before, for push and worker alike."""
    push = by_sid(run_flows_policy(**RUN_FLOWS, runs_use_the_stacks_task_definition=False))
    worker = by_sid(worker_role_policy(**RUN_FLOWS, **WORKER_EXTRAS, runs_may_register=True))
    for statements in (push, worker):
        assert statements["RegisterThisPoolsTaskDefinitions"]["Resource"] == REGISTERED_FAMILIES
        assert statements["RunThisPoolsTasksOnThisCluster"]["Resource"] == REGISTERED_FAMILIES
    assert "DescribeTaskDefinitionsAcceptOnlyWildcard" not in push
    assert "DescribeAndDeregisterTaskDefinitionsAcceptOnlyWildcard" in worker


def actions_of(document: dict[str, Any]) -> set[str]:
    return {a for s in document["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}


def test_run_flows_allows_no_call_prefect_aws_never_makes() -> None:
    """prefect-aws 0.7 never lists task definitions or describes log streams."""
    document = run_flows_policy(**RUN_FLOWS)
    actions = {
        a for s in document["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not actions & {"ecs:ListTaskDefinitions", "logs:DescribeLogStreams"}
    # The template writes the network into the request, so runs look nothing up.
    assert not {a for a in actions if a.startswith("ec2:")}


def test_run_flows_wildcards_are_only_the_ones_aws_requires() -> None:
    """Every statement on "*" is one AWS offers no resource scoping for; the others name ARNs."""
    document = run_flows_policy(**RUN_FLOWS)
    for sid, statement in by_sid(document).items():
        if "*" in resources(statement):
            assert sid in WILDCARD_STATEMENTS
        else:
            assert all(r.startswith("arn:aws:") for r in resources(statement)), sid


def test_run_task_is_limited_to_this_cluster() -> None:
    """RunTask, StopTask and DescribeTasks carry an ecs:cluster condition on the stack's cluster."""
    statements = by_sid(run_flows_policy(**RUN_FLOWS))
    for sid in ("RunThisPoolsTasksOnThisCluster", "ManageTasksOnThisCluster"):
        assert statements[sid]["Condition"] == {"ArnEquals": {"ecs:cluster": CLUSTER}}
    assert (
        statements["ManageTasksOnThisCluster"]["Resource"] == "arn:aws:ecs:eu-west-1:123456789012:task/data-cluster/*"
    )


def test_pass_role_names_the_two_flow_run_roles_for_ecs_only() -> None:
    """iam:PassRole is granted on exactly these two roles, and only to hand them to ECS tasks."""
    statement = by_sid(run_flows_policy(**RUN_FLOWS))["PassOnlyTheFlowRunRoles"]
    assert statement["Resource"] == [EXECUTION, TASK]
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}


def test_run_flows_grants_nothing_prefects_provisioner_needs_to_create_infrastructure() -> None:
    """The stack creates network and cluster, so the submitter may not create security groups or clusters."""
    document = run_flows_policy(**RUN_FLOWS)
    actions = {
        a for s in document["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not actions & {"ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ecs:CreateCluster"}
    assert {"ecs:RunTask", "ecs:StopTask", "ecs:RegisterTaskDefinition", "iam:PassRole"} <= actions


#: IAM's size limits, counted without white space: all inline policies of a user, and one managed policy.
USER_INLINE_POLICY_LIMIT = 2048
MANAGED_POLICY_LIMIT = 6144


def _longest_run_flows_policy() -> str:
    """The push user's document with the longest names this stack can produce.

    A 28-character component name (the longest `name` allows), a 14-character region, the longest commercial
    partition name in use, the 8 characters Pulumi's auto-naming adds to roles and cluster, and the longest
    pool name prefect-aws's task definition families allow.
    """
    name, region, partition, account, suffix = "a" * 28, "ap-southeast-7", "aws-us-gov", "123456789012", "-" + "f" * 7
    return json.dumps(
        run_flows_policy(
            cluster_arn=f"arn:{partition}:ecs:{region}:{account}:cluster/{name}-cluster{suffix}",
            execution_role_arn=f"arn:{partition}:iam::{account}:role/{name}-execution{suffix}",
            task_role_arn=f"arn:{partition}:iam::{account}:role/{name}-task{suffix}",
            # The longest pool name whose task definition families (prefect_<pool>_<uuid>) ECS accepts (255).
            work_pool_name="p" * (255 - len("prefect_") - len("_") - 36),
        ),
        separators=(",", ":"),
    )


def test_longest_push_user_policy_fits_a_managed_policy_not_an_inline_one() -> None:
    """The worst case passes IAM's inline limit for users, so the stack attaches it as a managed policy."""
    size = len(_longest_run_flows_policy())
    assert USER_INLINE_POLICY_LIMIT < size <= MANAGED_POLICY_LIMIT
