"""`pulumi destroy` with flow runs still running: stop them before what they hold is deleted.

A running task keeps the cluster's capacity provider association in use, its network interface holds the
security group and subnets, and ECS refuses to delete a cluster with tasks, so a destroy during runs failed.
A `before_delete` hook on the capacity association and on the stack's security group stops the remaining tasks
and waits until they are STOPPED and their network interfaces are released. The graph puts those resources after
the work pool, the deployments and the worker service (nothing starts new runs) and before the subnets and the
cluster. Delete hooks run only with `pulumi destroy --run-program` (the engine refuses a destroy without it);
`scripts/destroy` passes it.

Pulumi's engine runs a deleted resource's hooks by the names stored in its state, looked up among the hooks the
current program registered, in preview too: a name the program no longer registers fails the run. So the hook is
registered in every configuration, under the name every earlier version used (`<component>-drain-tasks`) and
under each name the component was known by (its aliases), and what it does is read from the deleted resource
itself (its type and old outputs), never from the current configuration: the state may hold an association of a
cluster the stack no longer creates, or a group of a cluster it no longer uses.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pulumi
from botocore.exceptions import ClientError

from prefect_ecs_platform.aws.hook_session import ProviderAuth

#: Why the tasks stopped, as ECS shows it to whoever looks for the flow runs they ran.
STOP_REASON = "pulumi destroy: the Prefect platform is being torn down"

DRAIN_TIMEOUT_SECONDS = 10 * 60
POLL_SECONDS = 10.0
_DESCRIBE_BATCH = 100
#: How the drain waits between polls; a test plays ECS's part here.
pause: Callable[[float], None] = time.sleep
CAPACITY_ASSOCIATION_TYPE = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
SECURITY_GROUP_TYPE = "aws:ec2/securityGroup:SecurityGroup"


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
    timeout: float | None = None,
    poll: float | None = None,
    sleep: Callable[[float], None] | None = None,
) -> list[str]:
    """Stop the cluster's tasks (only those in `security_group_id`, when given); wait until they are gone.

    Returns the ARNs of the tasks it stopped. Unset waits are read from the module when called (a hook cannot pass
    them; tests shorten them there).
    """
    timeout = DRAIN_TIMEOUT_SECONDS if timeout is None else timeout
    poll = POLL_SECONDS if poll is None else poll
    sleep = sleep or pause
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
        ecs.stop_task(cluster=cluster, task=arn, reason=STOP_REASON)

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


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _cluster_gone(error: ClientError) -> bool:
    return _error_code(error) == "ClusterNotFoundException"


def drain_cluster(ecs: Any, ec2: Any, *, cluster: str, **wait: Any) -> list[str]:
    """Stop every task of `cluster` and wait; a cluster already deleted outside Pulumi has nothing to drain."""
    try:
        return stop_tasks_and_wait(ecs, ec2, cluster=cluster, **wait)
    except ClientError as error:
        if _cluster_gone(error):
            pulumi.log.info(f"cluster {cluster} no longer exists: no task of it to stop")
            return []
        raise


def _interfaces_in_group(ec2: Any, security_group_id: str) -> list[str]:
    filters = [{"Name": "group-id", "Values": [security_group_id]}]
    return [
        interface["NetworkInterfaceId"]
        for page in ec2.get_paginator("describe_network_interfaces").paginate(Filters=filters)
        for interface in page["NetworkInterfaces"]
    ]


def drain_security_group(ecs: Any, ec2: Any, *, security_group_id: str, **wait: Any) -> list[str]:
    """Stop the tasks whose network interfaces are in the group, in whichever clusters of the region they run.

    The group's state does not say which cluster its tasks ran in (a brought cluster may since have been
    replaced in the configuration), and a group that holds no interface has nothing to wait for.
    """
    if not _interfaces_in_group(ec2, security_group_id):
        return []
    clusters = [arn for page in ecs.get_paginator("list_clusters").paginate() for arn in page["clusterArns"]]
    stopped: list[str] = []
    for cluster in clusters:
        try:
            stopped += stop_tasks_and_wait(ecs, ec2, cluster=cluster, security_group_id=security_group_id, **wait)
        except ClientError as error:
            if not _cluster_gone(error):
                raise
    return stopped


def drain_deleted_resource(
    auth: ProviderAuth, resource_type: str, resource_id: str, old_outputs: dict[str, Any], **wait: Any
) -> list[str]:
    """What the hook does for the resource being deleted, read from that resource's type, id and old outputs."""
    region = old_outputs.get("region") or None
    if resource_type == CAPACITY_ASSOCIATION_TYPE:
        session = auth.session(region)
        return drain_cluster(
            session.client("ecs"), session.client("ec2"), cluster=str(old_outputs["clusterName"]), **wait
        )
    if resource_type == SECURITY_GROUP_TYPE:
        session = auth.session(region)
        return drain_security_group(session.client("ecs"), session.client("ec2"), security_group_id=resource_id, **wait)
    pulumi.log.warn(f"the drain hook has nothing to do for a {resource_type}; it stops tasks for none")
    return []


def drain_hook_name(component_name: str) -> str:
    """The name every version of the component has stored in its resources' state for the drain hook."""
    return f"{component_name}-drain-tasks"


def alias_names(aliases: Sequence[Any] | None) -> list[str]:
    """The names a component was known by, from its `aliases` option (`pulumi.Alias` or URN strings)."""
    names: list[str] = []
    for alias in aliases or []:
        if isinstance(alias, str):
            # urn:pulumi:<stack>::<project>::<type>::<name>; names may themselves hold "::".
            name = alias.split("::", 3)[3] if alias.count("::") >= 3 else None
        else:
            name = alias.name if isinstance(alias.name, str) else None
        if name and name not in names:
            names.append(name)
    return names


def register_drain_hooks(component_name: str, former_names: Sequence[str], auth: ProviderAuth) -> pulumi.ResourceHook:
    """Register the drain hook under the component's name and each of its former names; return the one to bind."""

    async def drain_tasks(args: pulumi.ResourceHookArgs) -> None:
        outputs = dict(args.old_outputs or {})
        stopped = await asyncio.to_thread(drain_deleted_resource, auth, args.type, args.id, outputs)
        if stopped:
            pulumi.log.info(f"stopped {len(stopped)} task(s) before deleting {args.name}, which they held")

    names = [component_name, *(n for n in former_names if n != component_name)]
    hooks = [pulumi.ResourceHook(drain_hook_name(name), drain_tasks) for name in names]
    return hooks[0]
