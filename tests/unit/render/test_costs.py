"""The render's cost table: each always-on part priced from the project's table, and docs/costs.md current."""

from __future__ import annotations

import math

import pytest

from prefect_ecs_platform.render.costs import HOURS_PER_MONTH, PRICES, fixed_costs, flow_run_hour
from prefect_ecs_platform.render.plan_mocks import Registered
from tests.support.cost_docs import COMMAND, DOC, markdown


def _resource(typ: str, name: str, inputs: dict, outputs: dict | None = None) -> Registered:
    return Registered(typ, name, inputs, f"{name}-id", outputs or {})


def test_each_always_on_part_is_priced_from_the_table() -> None:
    definition = _resource(
        "aws:ecs/taskDefinition:TaskDefinition", "data-worker", {"cpu": "512", "memory": "1024"}, {"arn": "td"}
    )
    resources = [
        _resource("awsx:ec2:Vpc", "data-vpc", {"natGateways": {"strategy": "Single"}}),
        definition,
        _resource("aws:ecs/service:Service", "data-worker", {"taskDefinition": "td", "desiredCount": 2}),
        _resource("aws:lb/loadBalancer:LoadBalancer", "data-server", {}),
        _resource(
            "aws:rds/instance:Instance",
            "data-database",
            {"instanceClass": "db.t4g.micro", "multiAz": True, "allocatedStorage": 20},
        ),
        _resource("aws:secretsmanager/secret:Secret", "data-auth", {}),
    ]
    costs = {c.item: c.monthly for c in fixed_costs(resources)}
    assert costs["NAT gateway"] == pytest.approx(PRICES.nat_gateway_hour * HOURS_PER_MONTH)
    worker_hour = 0.5 * PRICES.fargate_vcpu_hour + 1 * PRICES.fargate_gb_hour
    assert costs["data-worker tasks"] == pytest.approx(2 * worker_hour * HOURS_PER_MONTH)
    assert costs["load balancer"] == pytest.approx(PRICES.load_balancer_hour * HOURS_PER_MONTH)
    database = 2 * (PRICES.rds_instance_hour["db.t4g.micro"] * HOURS_PER_MONTH + 20 * PRICES.rds_gp3_gb_month)
    assert costs["database (db.t4g.micro)"] == pytest.approx(database)
    # The database's managed password is a secret too.
    assert costs["Secrets Manager"] == pytest.approx(2 * PRICES.secret_month)


def test_a_public_only_vpc_has_no_nat_gateway_and_an_unknown_class_is_not_made_up() -> None:
    resources = [
        _resource("awsx:ec2:Vpc", "data-vpc", {"natGateways": {"strategy": "None"}}),
        _resource(
            "aws:rds/instance:Instance", "data-database", {"instanceClass": "db.x9.huge", "allocatedStorage": 20}
        ),
    ]
    costs = {c.item: c for c in fixed_costs(resources)}
    assert "NAT gateway" not in costs
    assert math.isnan(costs["database (db.x9.huge)"].monthly)
    assert costs["database (db.x9.huge)"].how == "no price recorded for this class"


def test_a_flow_run_hour_follows_the_pools_size_and_the_images_architecture() -> None:
    arm = [_resource("awsx:ecr:Image", "data-image", {"platform": "linux/arm64"})]
    defaults = {"cpu": 1024, "memory": 2048, "launch_type": "FARGATE"}
    amd64 = PRICES.fargate_vcpu_hour + 2 * PRICES.fargate_gb_hour
    graviton = PRICES.fargate_arm_vcpu_hour + 2 * PRICES.fargate_arm_gb_hour
    assert flow_run_hour([], defaults) == f"{amd64:.4f} USD on demand"
    assert flow_run_hour(arm, defaults) == f"{graviton:.4f} USD on demand"
    assert "Spot" in flow_run_hour([], {**defaults, "launch_type": "FARGATE_SPOT"})


def test_the_committed_cost_comparison_is_what_the_render_computes() -> None:
    assert DOC.read_text() == markdown(), f"run: {COMMAND}"
