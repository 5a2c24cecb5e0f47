"""IAM policy documents, as pure functions of the ARNs they are scoped to.

Where AWS accepts only `"*"` as the resource, the statement's Sid says so; `WILDCARD_STATEMENTS` lists
those Sids so tests can prove no other statement is unscoped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from prefect_ecs_platform.inputs.arns import parse_arn
from prefect_ecs_platform.inputs.flow_container import flow_run_family, registered_family_prefix

PolicyDocument = dict[str, Any]

#: Statements on `"*"`, each with why: AWS defines no resource type for their actions (Service Authorization
#: Reference, checked against the simulator's IAM data in tests/iam).
WILDCARD_STATEMENTS: Mapping[str, str] = {
    "EcrAuthorizationTokenIsAccountWide": "ecr:GetAuthorizationToken has no resource type: the token is per registry",
    "DescribeTaskDefinitionsAcceptOnlyWildcard": "ecs:DescribeTaskDefinition has no resource type",
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
    runs_use_the_stacks_task_definition: bool = True,
    runs_may_register: bool = True,
) -> PolicyDocument:
    """What submitting and cancelling flow runs on this cluster needs (the push user's whole policy).

    Prefect's provisioner grants its IAM user ec2, ecs and logs actions on `"*"`, including
    CreateSecurityGroup and CreateCluster. This stack creates the network, the cluster and the flow-run task
    definition itself and writes the network into the template, so the submitter only reads the stack's task
    definition (`runs_use_the_stacks_task_definition`), runs it, describes and stops tasks on this cluster, and
    passes the task definition's two roles to ECS: the calls prefect-aws's worker makes (recorded in
    tests/moto/test_iam_evaluated.py). With `runs_may_register` it may also register task definitions of the
    families prefect-aws names for this pool, and run those: where prefect-aws builds them (the switch), or as
    push mode's fallback, because whether Prefect Cloud's submitter honours `task_definition_arn` is not public.
    """
    cluster = parse_arn(cluster_arn)
    cluster_name = cluster.resource.removeprefix("cluster/")
    ecs_prefix = f"arn:{cluster.partition}:ecs:{cluster.region}:{cluster.account}"
    on_this_cluster = {"ArnEquals": {"ecs:cluster": cluster_arn}}
    tasks = f"{ecs_prefix}:task/{cluster_name}/*"
    stacks_family = f"{ecs_prefix}:task-definition/{flow_run_family(work_pool_name)}:*"
    registered_families = f"{ecs_prefix}:task-definition/{registered_family_prefix(work_pool_name)}*"
    runnable = [stacks_family] if runs_use_the_stacks_task_definition else []
    statements: list[dict[str, Any]] = []
    if runs_use_the_stacks_task_definition:
        statements.append(
            {"Sid": "DescribeTaskDefinitionsAcceptOnlyWildcard", "Effect": "Allow",
             "Action": "ecs:DescribeTaskDefinition", "Resource": "*"}
        )  # fmt: skip
    if runs_may_register:
        sid = "RegisterThisPoolsTaskDefinitions"
        if runs_use_the_stacks_task_definition:
            sid += "IfPrefectCloudIgnoresTheStacks"
        statements.append(
            {"Sid": sid, "Effect": "Allow", "Action": "ecs:RegisterTaskDefinition", "Resource": registered_families}
        )
        runnable.append(registered_families)
    tag_actions = ["RunTask", *(["RegisterTaskDefinition"] if runs_may_register else [])]
    statements += [
        {"Sid": "RunThisPoolsTasksOnThisCluster", "Effect": "Allow", "Action": "ecs:RunTask",
         "Resource": _one_or_list(runnable), "Condition": on_this_cluster},
        {"Sid": "ManageTasksOnThisCluster", "Effect": "Allow",
         "Action": ["ecs:DescribeTasks", "ecs:StopTask"], "Resource": tasks, "Condition": on_this_cluster},
        {"Sid": "TagTasksAndDefinitionsAtCreation" if runs_may_register else "TagTasksAtCreation",
         "Effect": "Allow", "Action": "ecs:TagResource",
         "Resource": [tasks, registered_families] if runs_may_register else tasks,
         "Condition": {"StringEquals": {"ecs:CreateAction": _one_or_list(tag_actions)}}},
        # RunTask passes the task definition's roles (and the task role override) to ECS.
        {"Sid": "PassOnlyTheFlowRunRoles", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": [execution_role_arn, task_role_arn],
         "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
    ]  # fmt: skip
    return _document(statements)


def _one_or_list(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


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
    runs_may_register: bool = False,
) -> PolicyDocument:
    """The ECS worker's task role: what submitting needs, plus what prefect-aws's observer does.

    The worker runs the stack's task definition and registers none, unless `runs_may_register` (the switch
    that lets prefect-aws build them). The observer (prefect_aws/observers/ecs.py) reads this cluster's
    task-state events from the queue (and extends a message's visibility while handling it), describes the
    stopped task and its definition, forwards the CloudWatch logs of a run that crashed before reaching Prefect
    (`forward_crashed_run_logs`, on by default) and, for runs prefect-aws registered with
    `auto_deregister_task_definition`, deregisters the definition.
    """
    document = run_flows_policy(
        cluster_arn=cluster_arn,
        execution_role_arn=execution_role_arn,
        task_role_arn=task_role_arn,
        work_pool_name=work_pool_name,
        runs_use_the_stacks_task_definition=not runs_may_register,
        runs_may_register=runs_may_register,
    )
    if runs_may_register:
        document["Statement"].append(
            {"Sid": "DescribeAndDeregisterTaskDefinitionsAcceptOnlyWildcard", "Effect": "Allow",
             "Action": ["ecs:DescribeTaskDefinition", "ecs:DeregisterTaskDefinition"], "Resource": "*"}
        )  # fmt: skip
    document["Statement"] += [
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
