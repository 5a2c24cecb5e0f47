"""Flow-run-like tasks started in a stack's cluster, and the stack's values read from the engine's checkpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from moto.ecs.models import ecs_backends

from tests.support.engine import StackEngine

GROUP = "aws:ec2/securityGroup:SecurityGroup"
CLUSTER = "aws:ecs/cluster:Cluster"


def outputs(engine: StackEngine, typ: str) -> dict[str, Any]:
    [entry] = [entry for entry in engine.state.values() if entry.type == typ]
    return {**entry.outputs, "id": entry.id}


def run_tasks(session: boto3.Session, cluster: str, subnet: str, group: str, count: int) -> list[str]:
    ecs = session.client("ecs")
    definition = ecs.register_task_definition(
        family="prefect_data_run",
        containerDefinitions=[{"name": "prefect", "image": "flows@sha256:" + "a" * 64}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="512",
        memory="1024",
    )["taskDefinition"]["taskDefinitionArn"]
    network = {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}}
    tasks = ecs.run_task(
        cluster=cluster, taskDefinition=definition, count=count, launchType="FARGATE", networkConfiguration=network
    )
    return [task["taskArn"] for task in tasks["tasks"]]


def stack_subnet(engine: StackEngine) -> str:
    [vpc] = [entry for entry in engine.state.values() if entry.type == "awsx:ec2:Vpc"]
    # Private subnets, or the public ones of a public-only layout: where the stack's tasks run.
    return str((vpc.outputs["privateSubnetIds"] or vpc.outputs["publicSubnetIds"])[0])


def run_stack_tasks(session: boto3.Session, engine: StackEngine, count: int) -> list[str]:
    """`count` tasks in the stack's created cluster, subnet and security group, as flow runs hold them."""
    cluster = outputs(engine, CLUSTER)["arn"]
    return run_tasks(session, cluster, stack_subnet(engine), outputs(engine, GROUP)["id"], count)


def releasing_interfaces(session: boto3.Session) -> Callable[[float], None]:
    """A drain's pause that plays ECS: stopped tasks' network interfaces are released (moto never does it)."""
    ec2 = session.client("ec2")
    account = session.client("sts").get_caller_identity()["Account"]
    region = str(session.region_name)

    def release(seconds: float) -> None:
        for tasks in ecs_backends[account][region].tasks.values():
            for task in tasks.values():
                if task.desired_status == "STOPPED" and task.attachments:
                    attachments: list[dict[str, Any]] = list(task.attachments)  # moto annotates them loosely
                    for detail in attachments[0]["details"]:
                        if detail["name"] == "networkInterfaceId":
                            ec2.delete_network_interface(NetworkInterfaceId=detail["value"])
                    task.attachments = []

    return release
