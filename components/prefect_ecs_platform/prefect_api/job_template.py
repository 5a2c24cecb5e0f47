"""The work pool's base job template: prefect-aws's own ECS template with defaults from the stack.

Pure: it takes plain values (the component calls it inside an `apply`) so it can be tested on its own and
fed to prefect-aws's worker in tests.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from prefect_ecs_platform.inputs.flow_container import FLOW_CONTAINER_NAME
from prefect_ecs_platform.inputs.job_variables import default_ecs_template


@dataclass(frozen=True, kw_only=True)
class JobTemplateSettings:
    """Stack values that become the template's variable defaults."""

    cluster_arn: str
    subnet_ids: list[str]
    security_group_ids: list[str]
    assign_public_ip: bool
    execution_role_arn: str
    task_role_arn: str
    image_uri: str
    cpu: int
    memory: int
    use_fargate_spot: bool
    #: Fargate CPU architecture matching the image platform: "X86_64" or "ARM64".
    cpu_architecture: str = "X86_64"
    log_group_name: str
    region: str
    #: Prefix of the awslogs stream names, so a stack's flow-run logs are easy to find in the group.
    log_stream_prefix: str
    prefect_api_key_secret_arn: str | None = None
    prefect_api_auth_string_secret_arn: str | None = None
    #: Id of the aws-credentials block the push pool uses; None where the worker uses its task role.
    aws_credentials_block_id: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    #: The revision every run starts from (the stack's own); None lets prefect-aws register one per deployment.
    task_definition_arn: str | None = None


def _set_default(variables: dict[str, Any], name: str, value: Any) -> None:
    properties = variables["properties"]
    if name not in properties:
        # A prefect-aws upgrade that drops a variable must fail loudly, not leave a default nowhere.
        raise KeyError(f"prefect-aws's ECS template has no variable {name!r}")
    properties[name]["default"] = value


def build_base_job_template(settings: JobTemplateSettings) -> dict[str, Any]:
    """Return the ECS base job template with every stack-derived default filled in."""
    template = copy.deepcopy(default_ecs_template())
    variables = template["variables"]
    defaults: dict[str, Any] = {
        "cluster": settings.cluster_arn,
        "execution_role_arn": settings.execution_role_arn,
        "task_role_arn": settings.task_role_arn,
        "image": settings.image_uri,
        "cpu": settings.cpu,
        "memory": settings.memory,
        "container_name": FLOW_CONTAINER_NAME,
        # FARGATE_SPOT is not an ECS launch type: prefect-aws turns it into a capacity provider strategy.
        "launch_type": "FARGATE_SPOT" if settings.use_fargate_spot else "FARGATE",
        "configure_cloudwatch_logs": True,
        # The group is created (with retention) by the stack, so tasks must not create it themselves.
        "cloudwatch_logs_options": {
            "awslogs-group": settings.log_group_name,
            "awslogs-region": settings.region,
            "awslogs-create-group": "false",
        },
        "cloudwatch_logs_prefix": settings.log_stream_prefix,
    }
    if settings.prefect_api_key_secret_arn:
        defaults["prefect_api_key_secret_arn"] = settings.prefect_api_key_secret_arn
    if settings.prefect_api_auth_string_secret_arn:
        defaults["prefect_api_auth_string_secret_arn"] = settings.prefect_api_auth_string_secret_arn
    if settings.aws_credentials_block_id:
        defaults["aws_credentials"] = {"$ref": {"block_document_id": settings.aws_credentials_block_id}}
    if settings.labels:
        defaults["labels"] = dict(settings.labels)
    if settings.task_definition_arn:
        defaults["task_definition_arn"] = settings.task_definition_arn
    for name, value in defaults.items():
        _set_default(variables, name, value)
    # The template has no variable for the runtime platform; an arm64 image on an x86 task fails to start.
    template["job_configuration"]["task_definition"]["runtimePlatform"] = {
        "cpuArchitecture": settings.cpu_architecture,
        "operatingSystemFamily": "LINUX",
    }
    # Written into the request, not given as the `network_configuration` variable: with the variable (and
    # `vpc_id`) prefect-aws looks the VPC and subnets up on every run; a literal value it sends as it is.
    template["job_configuration"]["task_run_request"]["networkConfiguration"] = {
        "awsvpcConfiguration": {
            "subnets": list(settings.subnet_ids),
            "securityGroups": list(settings.security_group_ids),
            "assignPublicIp": "ENABLED" if settings.assign_public_ip else "DISABLED",
        }
    }
    return template
