"""What AWS authorises for each recorded call: its action, resource ARN and condition keys, and the implied ones.

Resource ARNs come from moto's answers (or the request's own names), never written by hand. Beyond the call's
own action AWS also authorises `iam:PassRole` (`iam:PassedToService` = ecs-tasks.amazonaws.com) for every role a
registered task definition or a RunTask override names, and, for RunTask, the execution and task roles of the
task definition it runs (Amazon ECS developer guide, "Amazon ECS EventBridge IAM role": a principal running a
task needs iam:PassRole for each task execution role, task role or task role override); and `ecs:TagResource`
for tags given at creation (`ecs:CreateAction` = the creating call). A call with no mapping here fails the
test, so a new call prefect-aws starts making cannot pass unevaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from tests.support.iam.simulator import Authorization
from tests.support.moto.aws_calls import AwsCall

ECS_TASKS = "ecs-tasks.amazonaws.com"


def _pass_roles(call: AwsCall, *roles: str | None) -> Iterator[Authorization]:
    for role in roles:
        if role:
            yield Authorization("iam:PassRole", role, {"iam:PassedToService": ECS_TASKS}, why=call.operation)


def _register_task_definition(call: AwsCall, region: str, account: str) -> Iterator[Authorization]:
    arn = call.response["taskDefinition"]["taskDefinitionArn"]
    yield Authorization("ecs:RegisterTaskDefinition", arn, why=call.operation)
    yield from _pass_roles(call, call.params.get("executionRoleArn"), call.params.get("taskRoleArn"))
    if call.params.get("tags"):
        yield Authorization("ecs:TagResource", arn, {"ecs:CreateAction": "RegisterTaskDefinition"}, why=call.operation)


def _run_task(call: AwsCall, region: str, account: str) -> Iterator[Authorization]:
    for task in call.response["tasks"]:
        cluster = {"ecs:cluster": task["clusterArn"]}
        yield Authorization("ecs:RunTask", task["taskDefinitionArn"], cluster, why=call.operation)
        if call.params.get("tags"):
            yield Authorization("ecs:TagResource", task["taskArn"], {"ecs:CreateAction": "RunTask"}, why=call.operation)
    overrides = call.params.get("overrides", {})
    yield from _pass_roles(call, overrides.get("taskRoleArn"), overrides.get("executionRoleArn"))


def _on_tasks(action: str) -> Callable[[AwsCall, str, str], Iterator[Authorization]]:
    def authorizations(call: AwsCall, region: str, account: str) -> Iterator[Authorization]:
        tasks = call.response["tasks"] if "tasks" in call.response else [call.response["task"]]
        for task in tasks:
            yield Authorization(action, task["taskArn"], {"ecs:cluster": task["clusterArn"]}, why=call.operation)

    return authorizations


def _on_any(action: str) -> Callable[[AwsCall, str, str], Iterator[Authorization]]:
    def authorizations(call: AwsCall, region: str, account: str) -> Iterator[Authorization]:
        yield Authorization(action, "*", why=call.operation)

    return authorizations


def _get_log_events(call: AwsCall, region: str, account: str) -> Iterator[Authorization]:
    group, stream = call.params["logGroupName"], call.params["logStreamName"]
    arn = f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream}"
    yield Authorization("logs:GetLogEvents", arn, why=call.operation)


def _on_queue(action: str) -> Callable[[AwsCall, str, str], Iterator[Authorization]]:
    def authorizations(call: AwsCall, region: str, account: str) -> Iterator[Authorization]:
        name = call.params.get("QueueName") or call.params["QueueUrl"].rstrip("/").rsplit("/", 1)[1]
        yield Authorization(action, f"arn:aws:sqs:{region}:{account}:{name}", why=call.operation)

    return authorizations


MAPPINGS: dict[tuple[str, str], Callable[[AwsCall, str, str], Iterator[Authorization]]] = {
    ("ecs", "RegisterTaskDefinition"): _register_task_definition,
    ("ecs", "RunTask"): _run_task,
    ("ecs", "DescribeTasks"): _on_tasks("ecs:DescribeTasks"),
    ("ecs", "StopTask"): _on_tasks("ecs:StopTask"),
    ("ecs", "DescribeTaskDefinition"): _on_any("ecs:DescribeTaskDefinition"),
    ("ecs", "DeregisterTaskDefinition"): _on_any("ecs:DeregisterTaskDefinition"),
    ("ec2", "DescribeVpcs"): _on_any("ec2:DescribeVpcs"),
    ("ec2", "DescribeSubnets"): _on_any("ec2:DescribeSubnets"),
    ("logs", "GetLogEvents"): _get_log_events,
    ("sqs", "GetQueueUrl"): _on_queue("sqs:GetQueueUrl"),
    ("sqs", "ReceiveMessage"): _on_queue("sqs:ReceiveMessage"),
    ("sqs", "DeleteMessage"): _on_queue("sqs:DeleteMessage"),
    ("sqs", "ChangeMessageVisibility"): _on_queue("sqs:ChangeMessageVisibility"),
}


def _definition_roles(calls: list[AwsCall]) -> dict[str, tuple[str | None, str | None]]:
    """The roles of every task definition the calls registered or described, by revision ARN."""
    roles = {}
    for call in calls:
        definition = call.response.get("taskDefinition") if call.service == "ecs" else None
        if definition:
            roles[definition["taskDefinitionArn"]] = (definition.get("executionRoleArn"), definition.get("taskRoleArn"))
    return roles


def authorizations_for(calls: list[AwsCall], *, region: str, account: str) -> list[Authorization]:
    """Every authorisation the calls need; raises for a call this module does not know."""
    unknown = sorted({f"{c.service}:{c.operation}" for c in calls} - {f"{s}:{o}" for s, o in MAPPINGS})
    if unknown:
        raise AssertionError(f"calls with no IAM mapping (add one to tests/support/moto/authorizations.py): {unknown}")
    definition_roles = _definition_roles(calls)
    authorizations: list[Authorization] = []
    for call in calls:
        authorizations += MAPPINGS[(call.service, call.operation)](call, region, account)
        if (call.service, call.operation) == ("ecs", "RunTask"):
            for task in call.response["tasks"]:
                # A revision the calls never registered or described would pass no role: the test must see it.
                authorizations += _pass_roles(call, *definition_roles[task["taskDefinitionArn"]])
    return authorizations
