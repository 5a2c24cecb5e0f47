"""IAM policy documents, as pure functions of the ARNs they are scoped to.

Where AWS accepts only `"*"` as the resource, the statement's Sid says so; `WILDCARD_STATEMENTS` lists
those Sids so tests can prove no other statement is unscoped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from prefect_ecs_platform.inputs.arns import parse_arn

PolicyDocument = dict[str, Any]

#: prefect-aws names the task definitions it registers `prefect_<work pool>_<deployment id>` (ECS_DEFAULT_FAMILY).
FLOW_RUN_FAMILY_PREFIX = "prefect_"

#: Statements on `"*"`, each with why: AWS defines no resource type for their actions (Service Authorization
#: Reference, checked against the simulator's IAM data in tests/iam).
WILDCARD_STATEMENTS: Mapping[str, str] = {
    "EcrAuthorizationTokenIsAccountWide": "ecr:GetAuthorizationToken has no resource type: the token is per registry",
    "Ec2DescribeAcceptsOnlyWildcard": "ec2:DescribeVpcs and ec2:DescribeSubnets have no resource type",
    "DescribeAndDeregisterTaskDefinitionsAcceptOnlyWildcard": "ecs:DescribeTaskDefinition and "
    "ecs:DeregisterTaskDefinition have no resource type",
}


def _document(statements: Iterable[Mapping[str, Any]]) -> PolicyDocument:
    return {"Version": "2012-10-17", "Statement": [dict(s) for s in statements]}


def ecs_tasks_trust_policy(account_id: str | None = None) -> PolicyDocument:
    """Trust policy letting only ECS tasks assume a role (of this account, when it is known)."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    if account_id:
        # Confused-deputy guard: only tasks started in this account may assume the role.
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account_id}}
    return _document([statement])


def execution_role_policy(
    *,
    repository_arn: str | None,
    log_group_arn: str,
    secret_arns: Sequence[str],
) -> PolicyDocument:
    """What ECS itself needs to start a flow-run task: pull the image, write logs, read the API key."""
    statements: list[dict[str, Any]] = []
    if repository_arn:
        statements += [
            {"Sid": "EcrAuthorizationTokenIsAccountWide", "Effect": "Allow",
             "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {"Sid": "PullFlowImage", "Effect": "Allow",
             "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
             "Resource": repository_arn},
        ]  # fmt: skip
    statements.append(
        {"Sid": "WriteFlowRunLogs", "Effect": "Allow",
         "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"{log_group_arn}:log-stream:*"}
    )  # fmt: skip
    if secret_arns:
        statements.append(
            {"Sid": "ReadPrefectCredentials", "Effect": "Allow",
             "Action": "secretsmanager:GetSecretValue", "Resource": list(secret_arns)}
        )  # fmt: skip
    return _document(statements)


def run_flows_policy(
    *,
    cluster_arn: str,
    execution_role_arn: str,
    task_role_arn: str,
    work_pool_name: str,
) -> PolicyDocument:
    """What submitting and cancelling flow runs on this cluster needs (the push user's whole policy).

    Prefect's provisioner grants its IAM user ec2, ecs and logs actions on `"*"`, including
    CreateSecurityGroup and CreateCluster. This stack creates the network and cluster itself, so the
    submitter only describes the network, registers this pool's task definitions, runs, describes and stops
    tasks on this cluster, and passes these two roles to ECS: the calls prefect-aws's worker makes to submit
    and cancel (recorded in tests/moto/test_iam_evaluated.py). Reading logs and task definitions is the
    observer's, which only the hybrid worker runs (`worker_role_policy`).
    """
    cluster = parse_arn(cluster_arn)
    cluster_name = cluster.resource.removeprefix("cluster/")
    ecs_prefix = f"arn:{cluster.partition}:ecs:{cluster.region}:{cluster.account}"
    on_this_cluster = {"ArnEquals": {"ecs:cluster": cluster_arn}}
    this_pools_families = f"{ecs_prefix}:task-definition/{FLOW_RUN_FAMILY_PREFIX}{work_pool_name}_*"
    return _document(
        [
            {"Sid": "Ec2DescribeAcceptsOnlyWildcard", "Effect": "Allow",
             "Action": ["ec2:DescribeVpcs", "ec2:DescribeSubnets"], "Resource": "*"},
            {"Sid": "RegisterThisPoolsTaskDefinitions", "Effect": "Allow", "Action": "ecs:RegisterTaskDefinition",
             "Resource": this_pools_families},
            {"Sid": "RunThisPoolsTasksOnThisCluster", "Effect": "Allow", "Action": "ecs:RunTask",
             "Resource": this_pools_families, "Condition": on_this_cluster},
            {"Sid": "ManageTasksOnThisCluster", "Effect": "Allow",
             "Action": ["ecs:DescribeTasks", "ecs:StopTask"],
             "Resource": f"{ecs_prefix}:task/{cluster_name}/*", "Condition": on_this_cluster},
            {"Sid": "TagTasksAndDefinitionsAtCreation", "Effect": "Allow", "Action": "ecs:TagResource",
             "Resource": [f"{ecs_prefix}:task/{cluster_name}/*", this_pools_families],
             "Condition": {"StringEquals": {"ecs:CreateAction": ["RunTask", "RegisterTaskDefinition"]}}},
            {"Sid": "PassOnlyTheFlowRunRoles", "Effect": "Allow", "Action": "iam:PassRole",
             "Resource": [execution_role_arn, task_role_arn],
             "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
        ]
    )  # fmt: skip


def custom_statements_policy(statements: Sequence[Mapping[str, Any]]) -> PolicyDocument:
    """The user's extra task-role statements as one document."""
    return _document(statements)


def worker_role_policy(
    *,
    cluster_arn: str,
    execution_role_arn: str,
    task_role_arn: str,
    log_group_arn: str,
    events_queue_arn: str,
    work_pool_name: str,
) -> PolicyDocument:
    """The ECS worker's task role: what the push user may do, plus what prefect-aws's observer does.

    The observer (prefect_aws/observers/ecs.py) reads this cluster's task-state events from the queue (and
    extends a message's visibility while handling it), describes the stopped task and its definition,
    forwards the CloudWatch logs of a run that crashed before reaching Prefect (`forward_crashed_run_logs`,
    on by default) and, for runs with `auto_deregister_task_definition`, deregisters the definition.
    """
    document = run_flows_policy(
        cluster_arn=cluster_arn,
        execution_role_arn=execution_role_arn,
        task_role_arn=task_role_arn,
        work_pool_name=work_pool_name,
    )
    document["Statement"] += [
        {"Sid": "DescribeAndDeregisterTaskDefinitionsAcceptOnlyWildcard", "Effect": "Allow",
         "Action": ["ecs:DescribeTaskDefinition", "ecs:DeregisterTaskDefinition"], "Resource": "*"},
        {"Sid": "ReadFlowRunLogs", "Effect": "Allow", "Action": "logs:GetLogEvents",
         "Resource": f"{log_group_arn}:log-stream:*"},
        {"Sid": "ConsumeTaskStateEvents", "Effect": "Allow",
         "Action": ["sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
         "Resource": events_queue_arn},
    ]  # fmt: skip
    return document


def events_queue_policy(*, queue_arn: str, rule_arn: str) -> PolicyDocument:
    """Let EventBridge deliver to the queue, and only from this stack's rule."""
    return _document(
        [
            {"Sid": "EventBridgeRuleDelivers", "Effect": "Allow",
             "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
             "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}
        ]
    )  # fmt: skip
