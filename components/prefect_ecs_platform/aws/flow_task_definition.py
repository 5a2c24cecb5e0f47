"""The flow-run task definition the stack registers, so no flow run registers one at run time.

prefect-aws's worker registers a task definition per deployment when a run starts, which fails when several
start together ("Too many concurrent attempts to create a new revision", PrefectHQ/prefect #13024, #15865,
#16485) and leaves revisions `pulumi destroy` never removes. With `task_definition_arn` set it describes and
runs the given revision instead; what a deployment varies (cpu, memory, env, command, Spot) reaches the task
through the RunTask overrides the pool sends, so one revision per flow image serves every deployment.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform.aws.flow_run_infrastructure import FlowRunInfrastructure
from prefect_ecs_platform.aws.secrets import credential_secrets
from prefect_ecs_platform.aws.task_definitions import TaskDefinitionSpec, fargate_task_definition
from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.flow_container import FLOW_CONTAINER_NAME, flow_log_stream_prefix, flow_run_family


def flow_container(
    *,
    image_uri: str,
    log_group_name: str,
    region: str,
    log_stream_prefix: str,
    secrets: list[dict[str, str]],
) -> dict[str, Any]:
    """The flow-run container as prefect-aws would build it from the pool's template, registered once.

    prefect-aws injects no credential into a given task definition, so it is an ECS secret here; the
    environment, command and sizes arrive as RunTask overrides.
    """
    return {
        "name": FLOW_CONTAINER_NAME,
        "image": image_uri,
        "essential": True,
        "secrets": secrets,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group_name,
                "awslogs-region": region,
                "awslogs-stream-prefix": log_stream_prefix,
                # The group is the stack's (with retention): tasks must not create one.
                "awslogs-create-group": "false",
            },
        },
    }


def create_flow_task_definition(
    name: str, args: PrefectEcsPlatformArgs, infrastructure: FlowRunInfrastructure, opts: pulumi.ResourceOptions
) -> aws.ecs.TaskDefinition:
    """The revision every flow run of the pool starts from; a new image is a new revision in the same update.

    Replacing it registers the new revision first; the engine deregisters the old one only after the pool and
    the deployments, which depend on it, point at the new one.
    """
    credentials = infrastructure.credentials
    container = pulumi.Output.all(
        infrastructure.image.image_uri,
        infrastructure.log_group.name,
        infrastructure.region,
        credentials.api_key_arn,
        credentials.auth_string_arn,
    ).apply(
        lambda v: flow_container(
            image_uri=v[0],
            log_group_name=v[1],
            region=v[2],
            log_stream_prefix=flow_log_stream_prefix(args.work_pool_name),
            secrets=credential_secrets(v[3], v[4]),
        )
    )
    spec = TaskDefinitionSpec(
        family=flow_run_family(args.work_pool_name),
        cpu=args.cpu,
        memory=args.memory,
        execution_role_arn=infrastructure.roles.execution_role_arn,
        task_role_arn=infrastructure.roles.task_role_arn,
        container=container,
    )
    return fargate_task_definition(f"{name}-flow-runs", spec, infrastructure, opts)
