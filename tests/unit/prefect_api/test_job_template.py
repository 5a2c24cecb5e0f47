"""The base job template: prefect-aws's own, with defaults from the stack."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from prefect_ecs_platform.inputs.job_variables import default_ecs_template
from prefect_ecs_platform.prefect_api.job_template import JobTemplateSettings, build_base_job_template

SETTINGS = JobTemplateSettings(
    cluster_arn="arn:aws:ecs:eu-west-1:123456789012:cluster/data-cluster",
    subnet_ids=["subnet-a", "subnet-b"],
    security_group_ids=["sg-1"],
    assign_public_ip=False,
    execution_role_arn="arn:aws:iam::123456789012:role/exec",
    task_role_arn="arn:aws:iam::123456789012:role/task",
    image_uri="123456789012.dkr.ecr.eu-west-1.amazonaws.com/flows@sha256:" + "a" * 64,
    cpu=512,
    memory=1024,
    use_fargate_spot=False,
    log_group_name="/prefect/data/flow-runs-1",
    region="eu-west-1",
    log_stream_prefix="ecs-dev",
    prefect_api_key_secret_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-AbCdEf",
    task_definition_arn="arn:aws:ecs:eu-west-1:123456789012:task-definition/prefect_ecs-dev:3",
)


def defaults(template: dict[str, Any]) -> dict[str, Any]:
    return {k: v.get("default") for k, v in template["variables"]["properties"].items()}


def test_template_is_prefect_aws_own_with_only_defaults_changed() -> None:
    """Job configuration and variable schemas are prefect-aws's; only defaults, the runtime platform and the
    request's network differ."""
    built, original = build_base_job_template(SETTINGS), default_ecs_template()
    built_config = dict(built["job_configuration"])
    task_definition = dict(built_config.pop("task_definition"))
    task_definition.pop("runtimePlatform")
    task_run_request = dict(built_config.pop("task_run_request"))
    task_run_request.pop("networkConfiguration")
    original_config = dict(original["job_configuration"])
    assert task_definition == original_config.pop("task_definition")
    assert task_run_request == original_config.pop("task_run_request")
    assert built_config == original_config
    for name, schema in built["variables"]["properties"].items():
        without_default = {k: v for k, v in schema.items() if k != "default"}
        assert without_default == {k: v for k, v in original["variables"]["properties"][name].items() if k != "default"}


def test_stack_values_become_defaults() -> None:
    """Cluster, roles, image, task definition, size, logs and the key secret are filled from the settings."""
    values = defaults(build_base_job_template(SETTINGS))
    assert values["cluster"] == SETTINGS.cluster_arn
    assert values["task_definition_arn"] == SETTINGS.task_definition_arn
    assert values["execution_role_arn"] == SETTINGS.execution_role_arn
    assert values["task_role_arn"] == SETTINGS.task_role_arn
    assert values["image"] == SETTINGS.image_uri
    assert (values["cpu"], values["memory"]) == (512, 1024)
    assert values["launch_type"] == "FARGATE"
    assert values["configure_cloudwatch_logs"] is True
    assert values["cloudwatch_logs_options"] == {
        "awslogs-group": "/prefect/data/flow-runs-1",
        "awslogs-region": "eu-west-1",
        "awslogs-create-group": "false",
    }
    assert values["cloudwatch_logs_prefix"] == "ecs-dev"
    assert values["prefect_api_key_secret_arn"] == SETTINGS.prefect_api_key_secret_arn


def test_spot_sets_the_fargate_spot_launch_type() -> None:
    """Spot is requested the way prefect-aws understands it (it turns it into a capacity provider strategy)."""
    values = defaults(build_base_job_template(dataclasses.replace(SETTINGS, use_fargate_spot=True)))
    assert values["launch_type"] == "FARGATE_SPOT"


def test_credentials_block_is_referenced_by_id() -> None:
    """Push pools reference the aws-credentials block the way Prefect resolves block defaults."""
    values = defaults(build_base_job_template(dataclasses.replace(SETTINGS, aws_credentials_block_id="b-1")))
    assert values["aws_credentials"] == {"$ref": {"block_document_id": "b-1"}}


def test_no_credentials_block_keeps_prefect_aws_default() -> None:
    """Worker mode leaves aws_credentials unset so the worker uses its task role."""
    assert "default" not in build_base_job_template(SETTINGS)["variables"]["properties"]["aws_credentials"]


@pytest.mark.parametrize("architecture", ["X86_64", "ARM64"])
def test_runtime_platform_matches_the_image(architecture: str) -> None:
    """The task definition asks Fargate for the CPU architecture the image was built for."""
    template = build_base_job_template(dataclasses.replace(SETTINGS, cpu_architecture=architecture))
    assert template["job_configuration"]["task_definition"]["runtimePlatform"] == {
        "cpuArchitecture": architecture,
        "operatingSystemFamily": "LINUX",
    }


def test_building_does_not_mutate_prefect_aws_template() -> None:
    """Two builds with different settings do not leak into each other."""
    build_base_job_template(SETTINGS)
    assert "default" not in default_ecs_template()["variables"]["properties"]["cluster"] or (
        default_ecs_template()["variables"]["properties"]["cluster"]["default"] != SETTINGS.cluster_arn
    )


def test_network_is_written_into_the_request_not_given_as_variables() -> None:
    """The request carries the stack's network literally; `vpc_id` and `network_configuration` stay unset, so
    prefect-aws sends it as it is instead of looking the VPC and subnets up on every run."""
    template = build_base_job_template(SETTINGS)
    assert template["job_configuration"]["task_run_request"]["networkConfiguration"] == {
        "awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg-1"],
                                "assignPublicIp": "DISABLED"}
    }  # fmt: skip
    values = defaults(template)
    assert (values.get("vpc_id"), values.get("network_configuration")) == (None, None)


def test_without_the_stacks_task_definition_prefect_aws_registers_one() -> None:
    """No ARN (the registration switch): the template names no task definition, as prefect-aws's own."""
    values = defaults(build_base_job_template(dataclasses.replace(SETTINGS, task_definition_arn=None)))
    assert values.get("task_definition_arn") is None
