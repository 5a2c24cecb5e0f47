"""`pulumi destroy` with flow runs still running: stop them before what they hold is deleted.

A running task keeps the cluster's capacity provider association in use, its network interface holds the
security group and subnets, and ECS refuses to delete a cluster with tasks, so a destroy during runs failed.
A `before_delete` hook on the capacity association (or, on a brought cluster, on the stack's security group)
stops the remaining tasks and waits until they are STOPPED and their network interfaces are released. The
graph puts that resource after the work pool, the deployments and the worker service (nothing starts new runs)
and before the security group, the subnets and the cluster. Delete hooks run only with `pulumi destroy
--run-program` (the engine refuses a destroy without it); `scripts/destroy` passes it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Any

import pulumi
from botocore.exceptions import ClientError

from prefect_ecs_platform.aws.hook_session import hook_session

DRAIN_TIMEOUT_SECONDS = 10 * 60
POLL_SECONDS = 10.0
_DESCRIBE_BATCH = 100


class TasksStillRunning(pulumi.RunError):
    """The stack's tasks did not stop, or their network interfaces were not released, in time."""


def _running_tasks(ecs: Any, cluster: str) -> list[dict[str, Any]]:
    # desiredStatus RUNNING covers PROVISIONING and PENDING tasks too: every task that will hold an interface.
    arns = [
        arn
        for page in ecs.get_paginator("list_tasks").paginate(cluster=cluster, desiredStatus="RUNNING")
        for arn in page["taskArns"]
    ]
    return _describe(ecs, cluster, arns)


def _describe(ecs: Any, cluster: str, arns: list[str]) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = []
    for start in range(0, len(arns), _DESCRIBE_BATCH):
        tasks += ecs.describe_tasks(cluster=cluster, tasks=arns[start : start + _DESCRIBE_BATCH])["tasks"]
    return tasks


def _interfaces(task: dict[str, Any]) -> list[str]:
    return [
        detail["value"]
        for attachment in task.get("attachments", [])
        if attachment.get("type") == "ElasticNetworkInterface"
        for detail in attachment.get("details", [])
        if detail.get("name") == "networkInterfaceId"
    ]


def _existing_interfaces(ec2: Any, interface_ids: Iterable[str]) -> list[dict[str, Any]]:
    found = []
    for interface_id in interface_ids:
        # One at a time: a batch call fails whole when any interface is already gone.
        try:
            found += ec2.describe_network_interfaces(NetworkInterfaceIds=[interface_id])["NetworkInterfaces"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "InvalidNetworkInterfaceID.NotFound":
                raise
    return found


def stop_tasks_and_wait(
    ecs: Any,
    ec2: Any,
    *,
    cluster: str,
    security_group_id: str | None = None,
    reason: str = "pulumi destroy: the Prefect platform is being torn down",
    timeout: float = DRAIN_TIMEOUT_SECONDS,
    poll: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Stop the cluster's tasks (only those in `security_group_id`, when given); wait until they are gone.

    Returns the ARNs of the tasks it stopped.
    """
    tasks = _running_tasks(ecs, cluster)
    interfaces = {task["taskArn"]: _interfaces(task) for task in tasks}
    if security_group_id is not None:
        in_group = {
            interface["NetworkInterfaceId"]
            for interface in _existing_interfaces(ec2, [i for ids in interfaces.values() for i in ids])
            if any(group["GroupId"] == security_group_id for group in interface.get("Groups", []))
        }
        tasks = [task for task in tasks if in_group.intersection(interfaces[task["taskArn"]])]
    stopped = [task["taskArn"] for task in tasks]
    for arn in stopped:
        ecs.stop_task(cluster=cluster, task=arn, reason=reason)

    deadline = time.monotonic() + timeout
    held = [interface for arn in stopped for interface in interfaces[arn]]
    while True:
        not_stopped = [t["taskArn"] for t in _describe(ecs, cluster, stopped) if t["lastStatus"] != "STOPPED"]
        still_held = [] if not_stopped else [i["NetworkInterfaceId"] for i in _existing_interfaces(ec2, held)]
        if not not_stopped and not still_held:
            return stopped
        if time.monotonic() >= deadline:
            raise TasksStillRunning(
                f"After {timeout:.0f} s, tasks of {cluster} are not STOPPED ({', '.join(not_stopped) or 'none'}) "
                f"or still hold network interfaces ({', '.join(still_held) or 'none'}); stop them "
                "(`aws ecs stop-task`) and run `pulumi destroy --run-program` again."
            )
        sleep(poll)


def drain_hook(name: str, *, cluster: str | None = None, by_security_group: bool = False) -> pulumi.ResourceHook:
    """The before-delete hook that stops the stack's tasks.

    On the capacity association it stops every task of the (created) cluster, named by the association's
    `clusterName`. On the security group it stops the tasks of the brought `cluster` that use that group.
    """

    async def drain_tasks(args: pulumi.ResourceHookArgs) -> None:
        outputs = args.old_outputs or {}
        target = cluster or str(outputs["clusterName"])
        session = hook_session()
        stopped = await asyncio.to_thread(
            stop_tasks_and_wait,
            session.client("ecs"),
            session.client("ec2"),
            cluster=target,
            security_group_id=str(outputs["id"]) if by_security_group else None,
        )
        if stopped:
            pulumi.log.info(f"stopped {len(stopped)} task(s) of {target} before deleting what they held")

    return pulumi.ResourceHook(f"{name}-drain-tasks", drain_tasks)
