"""The component's own Prefect objects on a real server: its job template and its prefect.yaml deployments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from prefect_ecs_platform.inputs.flow_source import read_flow_source
from prefect_ecs_platform.inputs.prefect_yaml import load_prefect_yaml
from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.prefect_api.job_template import JobTemplateSettings, build_base_job_template
from prefect_ecs_platform.prefect_api.request_bodies import deployment_body, work_pool_body
from prefect_ecs_platform.resources import DeploymentProvider, WorkPoolProvider
from tests.support.engine_values import as_grpc

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
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


def test_component_pool_and_flows_yaml_deployments_round_trip(
    prefect_api_url: str, api: PrefectApi, unique: str
) -> None:
    """The component's template makes a valid pool, every prefect.yaml deployment lands on it, and nothing diffs."""
    pool_name = f"ecs-e2e-{unique}"
    pool_props = as_grpc(
        {**work_pool_body(pool_name, "ecs", component_template()), "api_url": prefect_api_url, "adopt_existing": False}
    )
    pools = WorkPoolProvider()
    assert pools.check({}, pool_props).failures == []
    pool = pools.create(pool_props)

    deployments = DeploymentProvider()
    created: dict[str, str] = {}
    for deployment in load_prefect_yaml(ROOT / "flows" / "prefect.yaml"):
        source = read_flow_source(deployment.entrypoint, ROOT)
        body = deployment_body(
            deployment,
            flow_name=source.flow_name,
            work_pool_name=pool_name,
            image_uri=IMAGE,
            parameter_openapi_schema=source.parameter_schema,
        )
        props = as_grpc(
            {**body, "name": f"{body['name']}-{unique}", "api_url": prefect_api_url, "adopt_existing": False}
        )
        assert deployments.check({}, props).failures == []
        result = deployments.create(props)
        created[deployment.name] = result.id
        read = deployments.read(result.id, props)
        assert read.outs is not None
        assert not deployments.diff(result.id, read.outs, props).changes, deployment.name

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
