"""What a rendered stack costs a month before it runs a flow, and what an hour of a flow run costs.

From `PRICES`, a table the project keeps with the region and the date it stands for. The prices are AWS's
public list prices for us-east-1 as this project recorded them; they were not fetched by the render (it makes no
calls) and could not be checked from the machine this table was written on, so `docs/costs.md` says to compare
them with AWS's pricing pages for your region. Usage-priced parts (data through the NAT gateway or CloudFront,
log ingestion, load balancer capacity units, requests) are left out and named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prefect_ecs_platform.render.plan_mocks import Registered

HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class Prices:
    region: str
    #: The month the prices stand for.
    as_of: str
    fargate_vcpu_hour: float
    fargate_gb_hour: float
    #: Fargate on Graviton (linux/arm64).
    fargate_arm_vcpu_hour: float
    fargate_arm_gb_hour: float
    nat_gateway_hour: float
    load_balancer_hour: float
    secret_month: float
    rds_gp3_gb_month: float
    #: RDS for PostgreSQL, single-AZ, on demand, by instance class; multi-AZ is twice as much.
    rds_instance_hour: dict[str, float]


PRICES = Prices(
    region="us-east-1",
    as_of="recorded 2026-12, not checked against AWS from here",
    fargate_vcpu_hour=0.04048,
    fargate_gb_hour=0.004445,
    fargate_arm_vcpu_hour=0.03238,
    fargate_arm_gb_hour=0.00356,
    nat_gateway_hour=0.045,
    load_balancer_hour=0.0225,
    secret_month=0.40,
    rds_gp3_gb_month=0.115,
    rds_instance_hour={
        "db.t4g.micro": 0.016,
        "db.t4g.small": 0.032,
        "db.t4g.medium": 0.065,
        "db.t4g.large": 0.129,
        "db.m7g.large": 0.168,
    },
)

#: What the monthly figure leaves out, because it depends on use.
USAGE_PRICED = (
    "data through the NAT gateway and CloudFront, log ingestion and storage, load balancer capacity units, "
    "CloudFront and Lambda requests, ECR storage, flow runs themselves"
)


@dataclass(frozen=True)
class Cost:
    item: str
    monthly: float
    how: str


def _task_hour(cpu_units: Any, memory_mib: Any, arm: bool, prices: Prices = PRICES) -> float:
    vcpu, gb = float(cpu_units) / 1024, float(memory_mib) / 1024
    if arm:
        return vcpu * prices.fargate_arm_vcpu_hour + gb * prices.fargate_arm_gb_hour
    return vcpu * prices.fargate_vcpu_hour + gb * prices.fargate_gb_hour


def _arm(definition: Registered) -> bool:
    platform = definition.inputs.get("runtimePlatform") or {}
    return platform.get("cpuArchitecture") == "ARM64"


def fixed_costs(resources: list[Registered], prices: Prices = PRICES) -> list[Cost]:
    """The stack's always-on parts, each with its monthly list price and how it was computed."""
    costs: list[Cost] = []
    for vpc in (r for r in resources if r.typ == "awsx:ec2:Vpc"):
        strategy = str((vpc.inputs.get("natGateways") or {}).get("strategy"))
        gateways = {"None": 0, "Single": 1}.get(strategy, int(vpc.inputs.get("numberOfAvailabilityZones") or 1))
        if gateways:
            monthly = gateways * prices.nat_gateway_hour * HOURS_PER_MONTH
            costs.append(Cost("NAT gateway", monthly, f"{gateways} x {prices.nat_gateway_hour} USD/h"))
    definitions = {r.outputs.get("arn"): r for r in resources if r.typ == "aws:ecs/taskDefinition:TaskDefinition"}
    for service in (r for r in resources if r.typ == "aws:ecs/service:Service"):
        definition = definitions.get(service.inputs.get("taskDefinition"))
        if definition is None:
            continue
        count = float(service.inputs.get("desiredCount") or 1)
        hourly = _task_hour(definition.inputs["cpu"], definition.inputs["memory"], _arm(definition), prices)
        costs.append(
            Cost(
                f"{service.name} tasks",
                count * hourly * HOURS_PER_MONTH,
                f"{count:g} x {definition.inputs['cpu']} CPU units / {definition.inputs['memory']} MiB on Fargate",
            )
        )
    for _ in (r for r in resources if r.typ == "aws:lb/loadBalancer:LoadBalancer"):
        monthly = prices.load_balancer_hour * HOURS_PER_MONTH
        costs.append(Cost("load balancer", monthly, f"{prices.load_balancer_hour} USD/h, before capacity units"))
    for database in (r for r in resources if r.typ == "aws:rds/instance:Instance"):
        costs.append(_database_cost(database, prices))
    secrets = [r for r in resources if r.typ == "aws:secretsmanager/secret:Secret"]
    databases = [r for r in resources if r.typ == "aws:rds/instance:Instance"]
    # RDS keeps its managed password in a secret of its own.
    if secrets or databases:
        count = len(secrets) + len(databases)
        costs.append(Cost("Secrets Manager", count * prices.secret_month, f"{count} x {prices.secret_month} USD"))
    return costs


def _database_cost(database: Registered, prices: Prices) -> Cost:
    inputs = database.inputs
    size = str(inputs.get("instanceClass"))
    copies = 2 if inputs.get("multiAz") else 1
    storage = float(inputs.get("allocatedStorage") or 0)
    hourly = prices.rds_instance_hour.get(size)
    if hourly is None:
        return Cost(f"database ({size})", float("nan"), "no price recorded for this class")
    monthly = copies * (hourly * HOURS_PER_MONTH + storage * prices.rds_gp3_gb_month)
    standby = ", multi-AZ (twice)" if copies == 2 else ""
    return Cost(f"database ({size})", monthly, f"{hourly} USD/h + {storage:g} GiB gp3{standby}")


def flow_run_hour(resources: list[Registered], defaults: dict[str, Any], prices: Prices = PRICES) -> str:
    """What an hour of a flow run at the pool's default size costs, on demand (Spot is variable: about 70 % less).

    The architecture is the flow-run task definition's (family `prefect_<pool>`); without one, the image's.
    """
    flows = [r for r in resources if r.typ == "aws:ecs/taskDefinition:TaskDefinition"]
    flows = [r for r in flows if str(r.inputs.get("family", "")).startswith("prefect_")]
    images = [r for r in resources if r.typ == "awsx:ecr:Image"]
    arm = _arm(flows[0]) if flows else bool(images) and images[0].inputs.get("platform") == "linux/arm64"
    spot = defaults.get("launch_type") == "FARGATE_SPOT"
    hourly = _task_hour(defaults.get("cpu"), defaults.get("memory"), arm, prices)
    spot_note = "; on Fargate Spot, as this stack runs them, typically up to 70 % less" if spot else ""
    return f"{hourly:.4f} USD on demand{spot_note}"
