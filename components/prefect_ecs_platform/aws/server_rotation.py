"""The hosted server follows RDS's rotation of its database password.

RDS rotates the managed master password on a schedule (every 7 days unless changed) and ECS reads secrets only
when a task starts, so a running server would keep the old password. Secrets Manager reports each successful
rotation to EventBridge through CloudTrail, as a service event `RotationSucceeded` with the secret's ARN in
`additionalEventData.SecretId`; a rule on exactly that secret invokes a small Lambda
(`server_rotation_handler.py`) that starts a new deployment of the server's service, which may do nothing else.
With one task at a time the API is down while the new task starts: a minute or two a week, against a server
that would otherwise fail every new database connection until someone restarts it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform.aws.flow_run_infrastructure import FlowRunInfrastructure
from prefect_ecs_platform.aws.server_rotation_handler import CLUSTER_VARIABLE, SERVICE_VARIABLE
from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs

HANDLER_FILE = Path(__file__).with_name("server_rotation_handler.py")


@dataclass(frozen=True)
class RotationTarget:
    """The secret RDS rotates and the service that must restart when it does."""

    secret_arn: pulumi.Output[str]
    service_name: pulumi.Output[str]
    #: The service itself: the rule and the function exist only while it does.
    service: pulumi.Resource


def rotation_event_pattern(secret_arn: str) -> dict[str, Any]:
    """EventBridge pattern for a completed rotation of this secret, and of no other."""
    return {
        "source": ["aws.secretsmanager"],
        # Rotation is a service event; an API call of the same name would be the same news.
        "detail-type": ["AWS Service Event via CloudTrail", "AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["secretsmanager.amazonaws.com"],
            "eventName": ["RotationSucceeded"],
            "additionalEventData": {"SecretId": [secret_arn]},
        },
    }


def redeploy_policy(*, service_arn: str, log_group_arn: str) -> dict[str, Any]:
    """The Lambda's whole policy: a new deployment of this one service, and its own log lines."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "RedeployThePrefectServer", "Effect": "Allow", "Action": "ecs:UpdateService",
             "Resource": service_arn},
            {"Sid": "WriteRotationLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": f"{log_group_arn}:log-stream:*"},
        ],
    }  # fmt: skip


def lambda_trust_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }


def create_server_rotation(
    name: str,
    args: PrefectEcsPlatformArgs,
    infrastructure: FlowRunInfrastructure,
    target: RotationTarget,
    opts: pulumi.ResourceOptions,
) -> aws.lambda_.Function:
    """The rule, the function and the permissions that restart the server after each rotation."""
    tags = infrastructure.tags
    cluster = infrastructure.cluster
    logs = aws.cloudwatch.LogGroup(
        f"{name}-server-rotation",
        name_prefix=f"/prefect/{name}/server-rotation-",
        retention_in_days=args.log_retention_days,
        tags=tags,
        opts=opts,
    )
    service_arn = pulumi.Output.all(
        infrastructure.partition, infrastructure.region, infrastructure.account_id, cluster.name, target.service_name
    ).apply(lambda v: f"arn:{v[0]}:ecs:{v[1]}:{v[2]}:service/{v[3]}/{v[4]}")
    role = aws.iam.Role(
        f"{name}-server-rotation",
        description="Restarts the Prefect server's service after RDS rotated its database password",
        assume_role_policy=json.dumps(lambda_trust_policy(), sort_keys=True),
        permissions_boundary=args.permissions_boundary_arn,
        tags=tags,
        opts=opts,
    )
    policy = aws.iam.RolePolicy(
        f"{name}-server-rotation",
        role=role.id,
        policy=pulumi.Output.all(service_arn, logs.arn).apply(
            lambda v: json.dumps(redeploy_policy(service_arn=v[0], log_group_arn=v[1]), sort_keys=True)
        ),
        opts=opts,
    )
    function = aws.lambda_.Function(
        f"{name}-server-rotation",
        description="Starts a new deployment of the Prefect server when its database password was rotated",
        runtime="python3.12",
        handler="index.handler",
        code=pulumi.AssetArchive({"index.py": pulumi.FileAsset(str(HANDLER_FILE))}),
        role=role.arn,
        timeout=30,
        environment=aws.lambda_.FunctionEnvironmentArgs(
            variables={CLUSTER_VARIABLE: cluster.arn, SERVICE_VARIABLE: target.service_name}
        ),
        logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="Text", log_group=logs.name),
        tags=tags,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[policy, target.service])),
    )
    rule = aws.cloudwatch.EventRule(
        f"{name}-server-rotation",
        description="RDS rotated the Prefect server's database password",
        event_pattern=target.secret_arn.apply(lambda arn: json.dumps(rotation_event_pattern(arn))),
        tags=tags,
        opts=opts,
    )
    permission = aws.lambda_.Permission(
        f"{name}-server-rotation",
        action="lambda:InvokeFunction",
        function=function.name,
        principal="events.amazonaws.com",
        source_arn=rule.arn,
        opts=opts,
    )
    aws.cloudwatch.EventTarget(
        f"{name}-server-rotation",
        rule=rule.name,
        arn=function.arn,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[permission])),
    )
    return function
