"""The component's own Prefect objects on a real server: its job template and its prefect.yaml deployments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest

from prefect_ecs_platform import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.api_access import PrefectApiAccess
from prefect_ecs_platform.inputs.prefect_yaml import load_prefect_yaml
from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.prefect_api.job_template import JobTemplateSettings, build_base_job_template
from prefect_ecs_platform.resources import DeploymentProvider, WorkPoolProvider
from prefect_ecs_platform.resources.platform_objects import FlowRunSetup, create_prefect_objects
from tests.support.engine_values import as_grpc
from tests.support.pulumi_mocks import PulumiHarness, Recorded

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
WORK_POOL = "pulumi-python:dynamic/prefect:WorkPool"
DEPLOYMENT = "pulumi-python:dynamic/prefect:Deployment"
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/data-flows@sha256:" + "d" * 64


def component_template() -> dict[str, Any]:
    return build_base_job_template(
        JobTemplateSettings(
            cluster_arn="arn:aws:ecs:eu-west-1:123456789012:cluster/data-cluster",
            subnet_ids=["subnet-a", "subnet-b"],
            security_group_ids=["sg-1"],
            assign_public_ip=False,
            execution_role_arn="arn:aws:iam::123456789012:role/data-execution",
            task_role_arn="arn:aws:iam::123456789012:role/data-task",
            image_uri=IMAGE,
            cpu=1024,
            memory=2048,
            use_fargate_spot=False,
            log_group_name="/prefect/data/flow-runs-1",
            region="eu-west-1",
            log_stream_prefix="ecs-e2e",
            prefect_api_key_secret_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-AbCdEf",
        )
    )


def registered_objects(
    harness: PulumiHarness, api_url: str, pool_name: str, suffix: str
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The inputs `create_prefect_objects` registers for the pool and each prefect.yaml deployment, by name.

    Taken from the mocks as the engine receives them, without the provider reference the engine strips.
    """
    args = PrefectEcsPlatformArgs(
        prefect_api_url=api_url,
        work_pool_name=pool_name,
        mode="worker",
        deployments=load_prefect_yaml(ROOT / "flows" / "prefect.yaml"),
        project_root=str(ROOT),
        deployment_name_suffix=suffix,
    )
    harness.run(
        lambda: {
            "ids": create_prefect_objects(
                "data",
                args,
                api=PrefectApiAccess.given(args),
                runs=FlowRunSetup(
                    base_job_template=pulumi.Output.from_input(component_template()),
                    image_uri=pulumi.Output.from_input(IMAGE),
                    task_definition_arn=pulumi.Output.from_input(None),
                    ready=[],
                ),
                opts=pulumi.ResourceOptions(),
            ).deployment_ids
        }
    )

    def inputs(recorded: Recorded) -> dict[str, Any]:
        return {key: value for key, value in recorded.inputs.items() if key != "__provider"}

    deployments = {r.name.removeprefix("data-deployment-"): inputs(r) for r in harness.of_type(DEPLOYMENT)}
    return inputs(harness.one(WORK_POOL)), deployments


def test_component_pool_and_flows_yaml_deployments_round_trip(
    prefect_api_url: str, api: PrefectApi, unique: str, pulumi_harness: PulumiHarness
) -> None:
    """The component's template makes a valid pool, every prefect.yaml deployment lands on it, and nothing diffs."""
    pool_name = f"ecs-e2e-{unique}"
    pool_inputs, deployment_inputs = registered_objects(pulumi_harness, prefect_api_url, pool_name, f"-{unique}")
    assert set(deployment_inputs) == {d.name for d in load_prefect_yaml(ROOT / "flows" / "prefect.yaml")}
    pool_props = as_grpc(pool_inputs)
    pools = WorkPoolProvider()
    assert pools.check({}, pool_props).failures == []
    pool = pools.create(pool_props)

    deployments = DeploymentProvider()
    created: dict[str, str] = {}
    for name, registered in deployment_inputs.items():
        # The pool's id as the engine passes it once the pool exists; the mocks could only invent one.
        props = as_grpc({**registered, "work_pool_id": pool.id})
        assert deployments.check({}, props).failures == []
        result = deployments.create(props)
        created[name] = result.id
        read = deployments.read(result.id, props)
        assert read.outs is not None
        assert not deployments.diff(result.id, read.outs, props).changes, name

    etl = api.read_deployment(created["etl-daily"])
    assert etl["work_pool_name"] == pool_name
    assert etl["job_variables"] == {"image": IMAGE, "cpu": 512, "memory": 1024}
    assert sorted(s["slug"] for s in etl["schedules"]) == ["daily-0600", "weekly-backfill"]
    assert etl["pull_steps"] == [{"prefect.deployments.steps.set_working_directory": {"directory": "/opt/prefect"}}]
    stored_pool = api.read_work_pool(pool_name)
    defaults = stored_pool["base_job_template"]["variables"]["properties"]
    assert defaults["cluster"]["default"] == "arn:aws:ecs:eu-west-1:123456789012:cluster/data-cluster"

    for deployment_id in created.values():
        deployments.delete(deployment_id, {"api_url": prefect_api_url})
    pools.delete(pool.id, pool_props)
