"""The stack's configuration, loaded once into a typed model and turned into component args.

Keys live in the project's namespace (`<project>:<key>`, `pulumi.get_project()`; this repository's project is
`prefect-ecs-platform`), camelCase as Pulumi convention has it, so the stack program works under any name.
Pulumi hands every value to the program as a string (JSON for lists and maps); pydantic parses them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.deployment_args import DeploymentArgs
from prefect_ecs_platform.inputs.prefect_yaml import load_prefect_yaml
from prefect_ecs_platform.inputs.problems import InvalidInputError, Problem, raise_if_any

#: This repository's project name: the namespace of its committed stack files.
NAMESPACE = "prefect-ecs-platform"
API_URL_KEY = "prefectApiUrl"
#: Read only through `Config.get_secret` so they stay Outputs marked secret.
API_KEY_KEY = "prefectApiKey"
AUTH_STRING_KEY = "prefectApiAuthString"
SECRET_KEYS = (API_KEY_KEY, AUTH_STRING_KEY)


class StackConfig(BaseModel):
    """Every non-secret key a stack may set. Defaults match Pulumi.yaml's declarations."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    prefect_api_url: str = Field(description="Prefect Cloud workspace URL, or a Prefect server URL ending in /api")
    work_pool_name: str = Field("", description='Work pool name; default "ecs-<stack>"')
    mode: Literal["push", "worker"] = "push"
    worker_image_uri: str = ""
    worker_cpu: int = 512
    worker_memory: int = 1024
    worker_count: int = 1
    work_queue_names: list[str] = Field(default_factory=list)
    image_context: str = ""
    image_uri: str = ""
    image_platform: Literal["linux/amd64", "linux/arm64"] = "linux/amd64"
    vpc_id: str = ""
    subnet_ids: list[str] = Field(default_factory=list)
    security_group_ids: list[str] = Field(default_factory=list)
    subnet_layout: Literal["private", "public"] = "private"
    availability_zones: int = 2
    vpc_cidr_block: str = "10.0.0.0/16"
    assign_public_ip: Literal["", "true", "false"] = ""
    cluster_arn: str = ""
    execution_role_arn: str = ""
    task_role_arn: str = ""
    cpu: int = 1024
    memory: int = 2048
    use_fargate_spot: bool = False
    log_retention_days: int = 30
    container_insights: bool = False
    task_role_policy_arns: list[str] = Field(default_factory=list)
    prefect_registers_task_definitions: bool = False
    permissions_boundary_arn: str = ""
    ecr_retain_on_destroy: bool = False
    ecr_keep_images: int = 20
    tags: dict[str, str] = Field(default_factory=dict)
    prefect_yaml: str = "flows/prefect.yaml"
    deployment_name_suffix: str = "-{stack}"
    deployment_overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def to_args(
        self,
        *,
        stack: str,
        prefect_api_key: pulumi.Input[str] | None,
        prefect_api_auth_string: pulumi.Input[str] | None = None,
        deployments: Sequence[DeploymentArgs] = (),
    ) -> PrefectEcsPlatformArgs:
        def optional(value: str) -> str | None:
            return value or None

        return PrefectEcsPlatformArgs(
            prefect_api_url=self.prefect_api_url,
            prefect_api_key=prefect_api_key,
            prefect_api_auth_string=prefect_api_auth_string,
            mode=self.mode,
            worker_image_uri=optional(self.worker_image_uri),
            worker_cpu=self.worker_cpu,
            worker_memory=self.worker_memory,
            worker_count=self.worker_count,
            work_queue_names=self.work_queue_names,
            work_pool_name=self.work_pool_name or f"ecs-{stack}",
            image_context=optional(self.image_context),
            image_uri=optional(self.image_uri),
            image_platform=self.image_platform,
            vpc_id=optional(self.vpc_id),
            subnet_ids=self.subnet_ids or None,
            security_group_ids=self.security_group_ids or None,
            subnet_layout=self.subnet_layout,
            availability_zones=self.availability_zones,
            vpc_cidr_block=self.vpc_cidr_block,
            assign_public_ip=None if not self.assign_public_ip else self.assign_public_ip == "true",
            cluster_arn=optional(self.cluster_arn),
            execution_role_arn=optional(self.execution_role_arn),
            task_role_arn=optional(self.task_role_arn),
            cpu=self.cpu,
            memory=self.memory,
            use_fargate_spot=self.use_fargate_spot,
            log_retention_days=self.log_retention_days,
            container_insights=self.container_insights,
            task_role_policy_arns=self.task_role_policy_arns,
            prefect_registers_task_definitions=self.prefect_registers_task_definitions,
            permissions_boundary_arn=optional(self.permissions_boundary_arn),
            ecr_retain_on_destroy=self.ecr_retain_on_destroy,
            ecr_keep_images=self.ecr_keep_images,
            tags=self.tags,
            deployments=deployments,
            deployment_name_suffix=self.deployment_name_suffix.replace("{stack}", stack),
        )


def _decode(raw: str) -> Any:
    # Lists and maps arrive JSON-encoded; scalars arrive as their text, which pydantic coerces.
    if raw[:1] in ("[", "{"):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def _all_keys() -> dict[str, str]:
    # The language host passes config in PULUMI_CONFIG; set_all_config (tests, automation) sets the context.
    return {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}


def _namespaced_keys(namespace: str) -> dict[str, str]:
    prefix = f"{namespace}:"
    return {key.removeprefix(prefix): value for key, value in _all_keys().items() if key.startswith(prefix)}


def stale_namespace_problems(namespace: str) -> list[Problem]:
    """Keys left in this repository's namespace by a project that has another name: nothing would read them.

    `pulumi new` (or a copy) renames the project in Pulumi.yaml, not the keys in the stack files.
    """
    if namespace == NAMESPACE:
        return []
    return [
        Problem(key, value, f"the project is named {namespace!r}: rename the key to {namespace}:{key.split(':', 1)[1]}")
        for key, value in sorted(_all_keys().items())
        if key.startswith(f"{NAMESPACE}:")
    ]


#: Keys earlier versions read, with what replaced them.
RENAMED_KEYS = {
    "ecrForceDelete": "replaced by ecrRetainOnDestroy: pulumi destroy now always deletes the repository with its "
    "images, unless ecrRetainOnDestroy is true, which keeps both in AWS",
}


def parse_stack_config(raw: dict[str, str], namespace: str = NAMESPACE) -> StackConfig:
    """Build the model from raw `key -> string` config; problems name the config key in `namespace`."""
    values = {key: _decode(value) for key, value in raw.items() if key not in SECRET_KEYS}
    try:
        return StackConfig.model_validate(values)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            key = ".".join(str(part) for part in item["loc"])
            allowed = item["msg"]
            if item["type"] == "extra_forbidden":
                allowed = RENAMED_KEYS.get(key, "unknown key")
            problems.append(Problem(f"{namespace}:{key}", item.get("input"), allowed))
        raise InvalidInputError(problems) from None


def load_stack_config() -> tuple[StackConfig, PrefectEcsPlatformArgs]:
    """Load the current stack's config and build the component args from it."""
    namespace = pulumi.get_project()
    raise_if_any(stale_namespace_problems(namespace))
    config = pulumi.Config(namespace)
    model = parse_stack_config(_namespaced_keys(namespace), namespace)
    api_key: pulumi.Input[str] | None = config.get_secret(API_KEY_KEY)
    if api_key is None and os.environ.get("PREFECT_API_KEY"):
        api_key = pulumi.Output.secret(os.environ["PREFECT_API_KEY"])
    auth_string: pulumi.Input[str] | None = config.get_secret(AUTH_STRING_KEY)
    if auth_string is None and os.environ.get("PREFECT_API_AUTH_STRING"):
        auth_string = pulumi.Output.secret(os.environ["PREFECT_API_AUTH_STRING"])
    stack = pulumi.get_stack()
    deployments: list[DeploymentArgs] = []
    if model.prefect_yaml:
        deployments = load_prefect_yaml(
            Path(model.prefect_yaml),
            stack=stack,
            overrides=model.deployment_overrides or None,
            prefect_registers_task_definitions=model.prefect_registers_task_definitions,
        )
    return model, model.to_args(
        stack=stack, prefect_api_key=api_key, prefect_api_auth_string=auth_string, deployments=deployments
    )
