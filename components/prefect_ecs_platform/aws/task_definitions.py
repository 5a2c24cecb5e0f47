"""The shape every task definition of the stack shares: Fargate, awsvpc, Linux on the image's architecture."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws


def fargate_task_definition(
    resource_name: str,
    *,
    family: str,
    cpu: int,
    memory: int,
    cpu_architecture: str,
    execution_role_arn: pulumi.Input[str],
    task_role_arn: pulumi.Input[str],
    container: pulumi.Output[dict[str, Any]],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.ecs.TaskDefinition:
    """A one-container Fargate task definition; `cpu_architecture` is "X86_64" or "ARM64", as the image was built."""
    return aws.ecs.TaskDefinition(
        resource_name,
        family=family,
        cpu=str(cpu),
        memory=str(memory),
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
            cpu_architecture=cpu_architecture, operating_system_family="LINUX"
        ),
        execution_role_arn=execution_role_arn,
        task_role_arn=task_role_arn,
        container_definitions=container.apply(lambda definition: json.dumps([definition])),
        tags=tags,
        opts=opts,
    )
