"""Stopping the stack's tasks before `pulumi destroy` deletes what they hold, against moto's ECS and EC2.

moto stops a task at once and never releases its network interface, so the tests play ECS's part in the
wait: a stopped task is first reported DEPROVISIONING, and its interface is deleted one poll later.
moto also deletes a cluster that still has tasks, so what is checked is the stopping and the waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.ecs.models import ecs_backends

from prefect_ecs_platform.aws.task_drain import TasksStillRunning, stop_tasks_and_wait
from tests.support.moto.component_in_moto import DeployedStack, deploy_component
from tests.support.moto.moto_patches import fargate_containers_without_memory

pytestmark = pytest.mark.moto

REGION = "eu-west-1"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    """An empty moto account."""
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws(), fargate_containers_without_memory():
        yield boto3.Session(region_name=REGION)


@pytest.fixture
def stack(session: boto3.Session) -> DeployedStack:
    """A push-mode stack deployed into moto by the component."""
    return deploy_component(session, "data", "push")


def _run(session: boto3.Session, stack: DeployedStack, count: int, security_group_id: str | None = None) -> list[str]:
    ecs = session.client("ecs")
    definition = ecs.register_task_definition(
        family="prefect_data_run",
        containerDefinitions=[{"name": "prefect", "image": stack.image_uri}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="512",
        memory="1024",
    )["taskDefinition"]["taskDefinitionArn"]
    network = {"awsvpcConfiguration": {"subnets": stack.subnet_ids[:1],
                                       "securityGroups": [security_group_id or stack.security_group_id]}}  # fmt: skip
    tasks = ecs.run_task(
        cluster=stack.cluster_arn, taskDefinition=definition, count=count, networkConfiguration=network
    )["tasks"]
    return [task["taskArn"] for task in tasks]


def _interfaces(session: boto3.Session, group_id: str) -> list[str]:
    found = session.client("ec2").describe_network_interfaces(Filters=[{"Name": "group-id", "Values": [group_id]}])
    return [interface["NetworkInterfaceId"] for interface in found["NetworkInterfaces"]]


class _EcsReleasing:
    """Plays ECS after StopTask: DEPROVISIONING on the first poll, then STOPPED with the interfaces released."""

    def __init__(self, session: boto3.Session, stack: DeployedStack) -> None:
        self.session, self.stack, self.polls = session, stack, 0
        self.tasks = ecs_backends[session.client("sts").get_caller_identity()["Account"]][REGION].tasks[
            stack.outputs["cluster_name"]
        ]

    def deprovisioning(self) -> None:
        for task in self.tasks.values():
            if task.desired_status == "STOPPED":
                task.last_status = "DEPROVISIONING"

    def sleep(self, seconds: float) -> None:
        self.polls += 1
        for task in self.tasks.values():
            if task.desired_status == "STOPPED":
                task.last_status = "STOPPED"
        if self.polls >= 2:
            ec2 = self.session.client("ec2")
            for task in self.tasks.values():
                if task.desired_status == "STOPPED":
                    attachments: list[dict[str, Any]] = list(task.attachments)  # moto annotates them loosely
                    for detail in attachments[0]["details"]:
                        if detail["name"] == "networkInterfaceId":
                            ec2.delete_network_interface(NetworkInterfaceId=detail["value"])


def test_every_task_is_stopped_and_waited_for(session: boto3.Session, stack: DeployedStack) -> None:
    """All running tasks get StopTask; the call returns only once they are STOPPED and their interfaces gone."""
    started = _run(session, stack, 3)
    ecs_plays = _EcsReleasing(session, stack)
    ecs, ec2 = session.client("ecs"), session.client("ec2")
    original_stop = ecs.stop_task

    def stop_then_deprovision(**kwargs: Any) -> Any:
        reply = original_stop(**kwargs)
        ecs_plays.deprovisioning()
        return reply

    ecs.stop_task = stop_then_deprovision
    stopped = stop_tasks_and_wait(ecs, ec2, cluster=stack.cluster_arn, poll=7, sleep=ecs_plays.sleep)

    assert sorted(stopped) == sorted(started)
    described = ecs.describe_tasks(cluster=stack.cluster_arn, tasks=started)["tasks"]
    assert {(t["desiredStatus"], t["lastStatus"]) for t in described} == {("STOPPED", "STOPPED")}
    assert {t["stoppedReason"] for t in described} == {"pulumi destroy: the Prefect platform is being torn down"}
    assert ecs_plays.polls == 2
    assert _interfaces(session, stack.security_group_id) == []


def test_only_tasks_in_the_stacks_group_are_stopped_on_a_brought_cluster(
    session: boto3.Session, stack: DeployedStack
) -> None:
    """On a shared cluster, tasks of other groups keep running."""
    other_group = session.client("ec2").create_security_group(
        GroupName="someone-else", Description="another team's tasks", VpcId=stack.vpc_id
    )["GroupId"]
    ours, theirs = _run(session, stack, 2), _run(session, stack, 1, security_group_id=other_group)
    ecs_plays = _EcsReleasing(session, stack)
    ecs = session.client("ecs")

    stopped = stop_tasks_and_wait(
        ecs,
        session.client("ec2"),
        cluster=stack.cluster_arn,
        security_group_id=stack.security_group_id,
        sleep=ecs_plays.sleep,
    )

    assert sorted(stopped) == sorted(ours)
    [still] = ecs.describe_tasks(cluster=stack.cluster_arn, tasks=theirs)["tasks"]
    assert still["desiredStatus"] == "RUNNING"
    assert _interfaces(session, other_group) != []


def test_interfaces_never_released_fail_at_the_deadline(session: boto3.Session, stack: DeployedStack) -> None:
    """If ECS keeps an interface, the drain fails with what to do instead of letting destroy hang."""
    _run(session, stack, 1)
    with pytest.raises(TasksStillRunning, match="still hold network interfaces \\(eni-"):
        stop_tasks_and_wait(
            session.client("ecs"), session.client("ec2"), cluster=stack.cluster_arn, timeout=0, sleep=lambda _: None
        )


def test_an_empty_cluster_is_left_at_once(session: boto3.Session, stack: DeployedStack) -> None:
    """No task, nothing to wait for."""
    polls: list[float] = []
    assert stop_tasks_and_wait(session.client("ecs"), session.client("ec2"), cluster=stack.cluster_arn,
                               sleep=polls.append) == []  # fmt: skip
    assert polls == []
