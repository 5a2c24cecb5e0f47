"""The shape every task definition of the stack shares: Fargate, awsvpc, Linux on the image's architecture."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform.aws.flow_run_infrastructure import FlowRunInfrastructure


@dataclass(frozen=True)
class TaskDefinitionSpec:
    """What one task definition sets; the architecture and tags are the stack's, from its infrastructure."""

    family: str
    cpu: int
    memory: int
    execution_role_arn: pulumi.Input[str]
    task_role_arn: pulumi.Input[str]
    container: pulumi.Output[dict[str, Any]]


def fargate_task_definition(
    resource_name: str,
    spec: TaskDefinitionSpec,
    infrastructure: FlowRunInfrastructure,
    opts: pulumi.ResourceOptions,
) -> aws.ecs.TaskDefinition:
    """A one-container Fargate task definition on the architecture the flow image was built for."""
    return aws.ecs.TaskDefinition(
        resource_name,
        family=spec.family,
        cpu=str(spec.cpu),
        memory=str(spec.memory),
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
            cpu_architecture=infrastructure.cpu_architecture, operating_system_family="LINUX"
        ),
        execution_role_arn=spec.execution_role_arn,
        task_role_arn=spec.task_role_arn,
        container_definitions=spec.container.apply(lambda definition: json.dumps([definition])),
        tags=infrastructure.tags,
        opts=opts,
    )
