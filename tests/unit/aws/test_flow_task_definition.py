"""The flow-run task definition the stack registers, and how the pool and deployments name it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from prefect_ecs_platform import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.prefect_yaml import load_prefect_yaml
from tests.support import ROOT
from tests.support.deployed_platform import deploy_platform
from tests.support.pulumi_mocks import CLOUD_URL, PulumiHarness

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
FLOW_RUNS = (TASK_DEFINITION, "data-flow-runs")
POOL = ("pulumi-python:dynamic/prefect:WorkPool", "data-work-pool")
DEPLOYMENT = "pulumi-python:dynamic/prefect:Deployment"
SELF_HOSTED = {"mode": "worker", "prefect_api_url": "https://prefect.example/api", "prefect_api_key": None,
               "prefect_api_auth_string": "admin:pw"}  # fmt: skip


def deploy(harness: PulumiHarness, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "prefect_api_url": CLOUD_URL,
        "prefect_api_key": "pnu_task_definition_unit_key",
        "work_pool_name": "ecs-dev",
        "cpu": 512,
        "memory": 1024,
        "deployments": load_prefect_yaml(ROOT / "flows" / "prefect.yaml"),
        "project_root": str(ROOT),
    }
    values.update(overrides)
    return deploy_platform(harness, PrefectEcsPlatformArgs(**values))


def _container(harness: PulumiHarness) -> dict[str, Any]:
    (container,) = json.loads(harness.named(*FLOW_RUNS).inputs["containerDefinitions"])
    return dict(container)


def test_one_fargate_task_definition_for_the_pool(pulumi_harness: PulumiHarness) -> None:
    """FARGATE, awsvpc, the image's platform, the stack's roles and default size, in the pool's family."""
    out = deploy(pulumi_harness, image_platform="linux/arm64")
    inputs = pulumi_harness.named(*FLOW_RUNS).inputs
    assert {k: inputs[k] for k in ("family", "cpu", "memory", "networkMode", "requiresCompatibilities")} == {
        "family": "prefect_ecs-dev",
        "cpu": "512",
        "memory": "1024",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
    }
    assert inputs["runtimePlatform"] == {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}
    assert (inputs["executionRoleArn"], inputs["taskRoleArn"]) == (out["execution_role_arn"], out["task_role_arn"])
    # Replacing a revision must not wait for `pulumi destroy` to forget it: the engine deregisters it.
    assert not inputs.get("skipDestroy")


def test_flow_container_is_the_digest_pinned_image_logging_to_the_stacks_group(pulumi_harness: PulumiHarness) -> None:
    """The container is named `prefect`, runs the built image by digest and logs with awslogs to the stack's group."""
    out = deploy(pulumi_harness)
    container = _container(pulumi_harness)
    assert (container["name"], container["image"], container["essential"]) == ("prefect", out["image_uri"], True)
    assert container["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {"awslogs-group": out["log_group_name"], "awslogs-region": "eu-west-1",
                    "awslogs-stream-prefix": "ecs-dev", "awslogs-create-group": "false"},
    }  # fmt: skip


CREDENTIALS = [
    ({}, "PREFECT_API_KEY", "prefect_api_key_secret_arn"),
    (SELF_HOSTED, "PREFECT_API_AUTH_STRING", "prefect_api_auth_string_secret_arn"),
]


@pytest.mark.parametrize(("overrides", "name", "arn"), CREDENTIALS)
def test_credential_is_an_ecs_secret_never_a_value(
    pulumi_harness: PulumiHarness, overrides: dict[str, Any], name: str, arn: str
) -> None:
    """prefect-aws injects no credential into a given task definition: it carries the secret itself, by ARN."""
    out = deploy(pulumi_harness, **overrides)
    container = _container(pulumi_harness)
    assert container["secrets"] == [{"name": name, "valueFrom": out[arn]}]
    assert "environment" not in container
    assert "pnu_task_definition_unit_key" not in json.dumps(pulumi_harness.named(*FLOW_RUNS).inputs)


def test_pool_and_every_deployment_name_the_revision(pulumi_harness: PulumiHarness) -> None:
    """The template's default and each deployment's job_variables carry the full revision ARN."""
    out = deploy(pulumi_harness)
    arn = pulumi_harness.named(*FLOW_RUNS).outputs["arn"]
    assert arn.endswith(":task-definition/prefect_ecs-dev:1")
    assert out["base_job_template"]["variables"]["properties"]["task_definition_arn"]["default"] == arn
    deployments = pulumi_harness.of_type(DEPLOYMENT)
    assert deployments
    assert {d.inputs["job_variables"]["task_definition_arn"] for d in deployments} == {arn}


def test_a_new_revision_is_in_place_before_the_pool_and_deployments_move_to_it(pulumi_harness: PulumiHarness) -> None:
    """The pool and deployments depend on the revision: the engine registers a replacement first and
    deregisters the old one only after they point at the new one."""
    deploy(pulumi_harness)
    starters = [POOL, *((DEPLOYMENT, d.name) for d in pulumi_harness.of_type(DEPLOYMENT))]
    assert all(pulumi_harness.waits_for(starter, FLOW_RUNS) for starter in starters)
    assert not pulumi_harness.waits_for(FLOW_RUNS, POOL)


@pytest.mark.parametrize("mode", ["push", "worker"])
def test_with_the_switch_prefect_aws_registers_and_the_stack_registers_none(
    pulumi_harness: PulumiHarness, mode: str
) -> None:
    """prefect_registers_task_definitions: no flow-run task definition, no ARN in the template or deployments."""
    overrides = SELF_HOSTED if mode == "worker" else {}
    out = deploy(pulumi_harness, prefect_registers_task_definitions=True, **overrides)
    assert [r.name for r in pulumi_harness.of_type(TASK_DEFINITION)] == (["data-worker"] if mode == "worker" else [])
    assert out["base_job_template"]["variables"]["properties"]["task_definition_arn"].get("default") is None
    assert all("task_definition_arn" not in d.inputs["job_variables"] for d in pulumi_harness.of_type(DEPLOYMENT))
