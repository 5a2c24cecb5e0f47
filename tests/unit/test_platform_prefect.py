"""The component's Prefect objects under mocks: pool, credentials block and deployments, and their wiring."""

from __future__ import annotations

import dataclasses
from typing import Any

from pulumi.runtime import rpc

from prefect_ecs_platform import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.prefect_yaml import load_prefect_yaml
from prefect_ecs_platform.resources.platform_objects import credentials_block_name
from tests.support import ROOT
from tests.support.deployed_platform import deploy_platform
from tests.support.pulumi_mocks import CLOUD_URL, REGION, PulumiHarness

API_KEY = "pnu_prefect_objects_unit_key"
POOL = "pulumi-python:dynamic/prefect:WorkPool"
BLOCK = "pulumi-python:dynamic/prefect:BlockDocument"
DEPLOYMENT = "pulumi-python:dynamic/prefect:Deployment"


def deploy(harness: PulumiHarness, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "prefect_api_url": CLOUD_URL,
        "prefect_api_key": API_KEY,
        "work_pool_name": "ecs-dev",
        "deployments": load_prefect_yaml(ROOT / "flows" / "prefect.yaml"),
        "deployment_name_suffix": "-dev",
        "project_root": str(ROOT),
    }
    values.update(overrides)
    return deploy_platform(harness, PrefectEcsPlatformArgs(**values))


def without_nulls(value: Any) -> Any:
    """What the engine passes on: Pulumi's serialization drops map entries whose value is None."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def unwrap(value: Any) -> Any:
    """A secret input reaches the engine wrapped; the wrapper proves it is stored encrypted."""
    assert isinstance(value, dict), value
    assert value[rpc._special_sig_key] == rpc._special_secret_sig, value
    return value["value"]


def test_push_pool_carries_the_component_template(pulumi_harness: PulumiHarness) -> None:
    """The ecs:push pool is created with exactly the template the component outputs."""
    out = deploy(pulumi_harness)
    pool = pulumi_harness.one(POOL)
    assert (pool.inputs["name"], pool.inputs["type"]) == ("ecs-dev", "ecs:push")
    assert pool.inputs["base_job_template"] == without_nulls(out["base_job_template"])
    assert pool.inputs["api_url"] == CLOUD_URL
    assert out["work_pool_name"] == "ecs-dev"


def test_push_template_references_the_credentials_block(pulumi_harness: PulumiHarness) -> None:
    """The pool's aws_credentials default is the block holding the push user's key."""
    out = deploy(pulumi_harness)
    block = pulumi_harness.one(BLOCK)
    reference = out["base_job_template"]["variables"]["properties"]["aws_credentials"]["default"]
    assert reference == {"$ref": {"block_document_id": block.id}}
    data = unwrap(block.inputs["data"])
    assert data == {
        "aws_access_key_id": out["push_access_key_id"],
        "aws_secret_access_key": "mocked-secret-access-key",
        "region_name": REGION,
    }
    assert block.inputs["name"] == "ecs-dev-aws-credentials"
    assert block.inputs["block_type_slug"] == "aws-credentials"


def test_worker_pool_is_ecs_without_a_block(pulumi_harness: PulumiHarness) -> None:
    """Worker mode creates an ecs pool and no credentials block."""
    deploy(pulumi_harness, mode="worker")
    assert pulumi_harness.one(POOL).inputs["type"] == "ecs"
    assert pulumi_harness.of_type(BLOCK) == []


def test_deployments_are_qualified_by_stack_and_placed_on_the_pool(pulumi_harness: PulumiHarness) -> None:
    """Each prefect.yaml deployment is created under its stack-qualified name, on the stack's pool."""
    out = deploy(pulumi_harness)
    deployments = {d.inputs["name"]: d for d in pulumi_harness.of_type(DEPLOYMENT)}
    assert set(deployments) == {"healthcheck-dev", "etl-daily-dev"}
    assert {d.inputs["work_pool_name"] for d in deployments.values()} == {"ecs-dev"}
    # The pool's id, so a replaced pool (same name, new id) re-attaches its deployments.
    assert {d.inputs["work_pool_id"] for d in deployments.values()} == {pulumi_harness.one(POOL).id}
    assert out["deployment_ids"] == {name: d.id for name, d in deployments.items()}


def test_deployment_runs_the_digest_pinned_image_with_its_size(pulumi_harness: PulumiHarness) -> None:
    """job_variables pin the built image by digest and carry the deployment's Fargate size."""
    out = deploy(pulumi_harness)
    etl = next(d for d in pulumi_harness.of_type(DEPLOYMENT) if d.inputs["name"] == "etl-daily-dev")
    assert etl.inputs["job_variables"]["image"] == out["image_uri"]
    assert (etl.inputs["job_variables"]["cpu"], etl.inputs["job_variables"]["memory"]) == (512, 1024)
    assert etl.inputs["flow_name"] == "etl"
    assert [s["slug"] for s in etl.inputs["schedules"]] == ["daily-0600", "weekly-backfill"]


def test_api_key_is_a_secret_input_and_not_in_the_provider(pulumi_harness: PulumiHarness) -> None:
    """The key reaches each Prefect resource only as a secret input; the pickled provider does not hold it."""
    deploy(pulumi_harness)
    for resource in pulumi_harness.of_type(POOL) + pulumi_harness.of_type(BLOCK) + pulumi_harness.of_type(DEPLOYMENT):
        assert unwrap(resource.inputs["api_key"]) == API_KEY
        assert API_KEY not in str(resource.inputs["__provider"])


def test_block_name_is_what_prefect_accepts() -> None:
    """Pool names with capitals or underscores still give a lowercase, dashed block name."""
    assert credentials_block_name("Data_Pool v2") == "data-pool-v2-aws-credentials"


def test_ui_owned_fields_become_the_deployments_ignore_changes(pulumi_harness: PulumiHarness) -> None:
    """`ui_owned` sets `paused` and each schedule's `active`, by its position in the schedules input, as the
    child deployment's ignore_changes; deployments without it ignore nothing."""
    deployments = load_prefect_yaml(ROOT / "flows" / "prefect.yaml")
    scheduled = next(d for d in deployments if d.schedules)
    owned = dataclasses.replace(scheduled, ui_owned=("paused", "schedules_active"))
    deploy(pulumi_harness, deployments=[owned, *[d for d in deployments if d is not scheduled]])
    by_name = {r.name: r.ignore_changes for r in pulumi_harness.monitor.registrations if r.typ == DEPLOYMENT}
    positions = range(len(scheduled.schedules))
    assert by_name.pop(f"data-deployment-{scheduled.name}") == (
        "paused",
        *(f"schedules[{i}].active" for i in positions),
    )
    assert set(by_name.values()) == {()}
