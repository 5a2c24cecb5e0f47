"""The stack's global concurrency limits and variables under mocks: one resource each, on the stack's API, made
before the deployments whose runs use them; and what a stack file writes, refused by the place it wrote it."""

from __future__ import annotations

import json
from typing import Any

from prefect_ecs_platform import ConcurrencyLimitArgs, PrefectEcsPlatformArgs, VariableArgs
from prefect_ecs_platform.inputs.prefect_yaml import load_prefect_yaml
from prefect_ecs_platform.inputs.stack_config import parse_stack_config_partially
from tests.support import ROOT
from tests.support.deployed_platform import deploy_platform
from tests.support.pulumi_mocks import CLOUD_URL, PulumiHarness

LIMIT = "pulumi-python:dynamic/prefect:ConcurrencyLimit"
VARIABLE = "pulumi-python:dynamic/prefect:Variable"
DEPLOYMENT = "pulumi-python:dynamic/prefect:Deployment"


def deploy(harness: PulumiHarness, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "prefect_api_url": CLOUD_URL,
        "prefect_api_key": "pnu_shared_objects_unit_key",
        "work_pool_name": "ecs-dev",
        "deployments": load_prefect_yaml(ROOT / "flows" / "prefect.yaml"),
        "project_root": str(ROOT),
        **overrides,
    }
    return deploy_platform(harness, PrefectEcsPlatformArgs(**values))


def test_each_limit_and_variable_is_a_resource_on_the_stacks_api_before_the_deployments(
    pulumi_harness: PulumiHarness,
) -> None:
    deploy(
        pulumi_harness,
        concurrency_limits=[ConcurrencyLimitArgs(name="warehouse", limit=4, slot_decay_per_second=0.5)],
        variables=[VariableArgs(name="region", value={"primary": "eu-west-1"}, tags=["etl"])],
    )
    limit = pulumi_harness.named(LIMIT, "data-concurrency-limit-warehouse").inputs
    assert {key: limit[key] for key in ("name", "limit", "active", "slot_decay_per_second")} == {
        "name": "warehouse",
        "limit": 4,
        "active": True,
        "slot_decay_per_second": 0.5,
    }
    variable = pulumi_harness.named(VARIABLE, "data-variable-region").inputs
    assert (variable["name"], variable["value"], variable["tags"]) == ("region", {"primary": "eu-west-1"}, ["etl"])
    for inputs in (limit, variable):
        assert inputs["api_url"] == CLOUD_URL
    deployments = pulumi_harness.of_type(DEPLOYMENT)
    assert deployments
    for deployment in deployments:
        assert pulumi_harness.waits_for((DEPLOYMENT, deployment.name), (LIMIT, "data-concurrency-limit-warehouse"))
        assert pulumi_harness.waits_for((DEPLOYMENT, deployment.name), (VARIABLE, "data-variable-region"))


def test_none_declared_makes_none(pulumi_harness: PulumiHarness) -> None:
    deploy(pulumi_harness)
    assert pulumi_harness.of_type(LIMIT) == []
    assert pulumi_harness.of_type(VARIABLE) == []


def test_a_stack_file_writes_them_as_lists_of_maps() -> None:
    config = {
        "prefectApiUrl": CLOUD_URL,
        "concurrencyLimits": json.dumps([{"name": "warehouse", "limit": 4, "slotDecayPerSecond": 0.5}]),
        "variables": json.dumps([{"name": "region", "value": "eu-west-1"}, {"name": "sizes", "value": [1, 2]}]),
    }
    model, problems, _ = parse_stack_config_partially(config)
    assert problems == []
    args = model.to_args(stack="dev", prefect_api_key=None)
    assert args.concurrency_limits == [ConcurrencyLimitArgs(name="warehouse", limit=4, slot_decay_per_second=0.5)]
    assert args.variables == [VariableArgs(name="region", value="eu-west-1"), VariableArgs(name="sizes", value=[1, 2])]
