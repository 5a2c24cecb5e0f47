"""`pulumi up` fails when the worker service's rollout fails, instead of reporting success over a crash loop.

ECS accepts CreateService and UpdateService at once and rolls out afterwards; with the deployment circuit
breaker it gives up on a failing task definition and rolls back, which neither the provider nor
`wait_for_steady_state` reports (hashicorp/terraform-provider-aws#19519, #20858). A resource hook after the
service's create and update waits for the ECS deployment that change started and raises when ECS marks it
FAILED or replaces it with a rollback.

Which deployment is the change's: ECS starts one (a new id) for each UpdateService that sets a task definition
or forces a new deployment, and a circuit-breaker rollback brings back the last completed task definition, the
same one when the update only forced a new deployment (a changed credential). So the task definition does not
tell the update's deployment from the rollback's; the id does. A hook before the update records the ids the
service already has; the update's deployment is the earliest new one. It is identified on the first poll,
right after UpdateService returned (a rollback needs failed tasks first), and followed by its id from then on.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from prefect_ecs_platform.aws.hook_session import ProviderAuth
from prefect_ecs_platform.inputs.arns import parse_arn

#: A circuit breaker needs several failed tasks (at least 3, more for larger services) before it trips.
ROLLOUT_TIMEOUT_SECONDS = 20 * 60
POLL_SECONDS = 15.0


class WorkerRolloutFailed(pulumi.RunError):
    """The worker service's new task definition never reached a completed rollout."""


#: The deployment ids each service had when its update began, by URN: written by the before-update hook and
#: taken by the after-update hook of the same update (both run in this program's process).
_deployments_before_update: dict[str, frozenset[str]] = {}
_deployments_guard = threading.Lock()


def _log_hint(ecs: Any, task_definition: str, container_name: str) -> str:
    definition = ecs.describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
    containers = definition["containerDefinitions"]
    container = next((c for c in containers if c["name"] == container_name), containers[0])
    options = container.get("logConfiguration", {}).get("options", {})
    group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix")
    if not group:
        return "The container has no awslogs configuration."
    stream_prefix = f"{prefix}/{container['name']}/" if prefix else ""
    return (
        f"The {container['name']} container's logs: CloudWatch log group {group}, streams {stream_prefix}<task id> "
        f"(`aws logs tail {group} --log-stream-name-prefix {stream_prefix} --since 1h`)."
    )


def _failure(ecs: Any, service: Mapping[str, Any], task_definition: str, container_name: str, why: str) -> str:
    events = "; ".join(event["message"] for event in service.get("events", [])[:3]) or "none"
    primary = next((d for d in service["deployments"] if d["status"] == "PRIMARY"), None)
    now_running = primary["taskDefinition"] if primary else "nothing"
    return (
        # The hosted server's service is checked the same way: name the service by its container.
        f"The ECS service {service['serviceName']} ({container_name}) did not roll out {task_definition}: {why}. "
        f"ECS now runs {now_running}. {_log_hint(ecs, task_definition, container_name)} "
        f"Recent service events: {events}. Pulumi state records the new task definition; after fixing the cause, "
        "run `pulumi up --refresh` so the rolled-back service is deployed again."
    )


def deployment_ids(ecs: Any, *, cluster: str, service: str) -> frozenset[str]:
    """The ids of the service's deployments as ECS lists them now (PRIMARY and ACTIVE).

    Empty for a missing service, whose update then fails with the provider's own error.
    """
    described = ecs.describe_services(cluster=cluster, services=[service])["services"]
    return frozenset(d["id"] for s in described for d in s.get("deployments", []))


def started_deployment(
    deployments: Sequence[Mapping[str, Any]], *, task_definition: str, before: frozenset[str] | None
) -> Mapping[str, Any] | None:
    """The deployment of `task_definition` the change started, or None when ECS already dropped it.

    `before` is what the service had before the change (empty for a create; None when unknown). Without a new
    deployment (unknown baseline, or an update ECS applied in place, such as new tags or a new desired count),
    it is the one running `task_definition`, the PRIMARY first.
    """
    of_it = [d for d in deployments if d["taskDefinition"] == task_definition]
    if before is not None and any(d["id"] not in before for d in deployments):
        new = [d for d in of_it if d["id"] not in before]
        return min(new, key=lambda d: d["createdAt"]) if new else None
    return next((d for d in of_it if d["status"] == "PRIMARY"), of_it[0] if of_it else None)


@dataclass(frozen=True)
class ServiceRevision:
    """A service and the task definition a change set on it: what a rollout is waited for by."""

    cluster: str
    service: str
    task_definition: str
    #: The container whose stop reasons explain a failed rollout.
    container_name: str


def wait_for_rollout(
    ecs: Any,
    revision: ServiceRevision,
    *,
    before: frozenset[str] | None = None,
    timeout: float = ROLLOUT_TIMEOUT_SECONDS,
    poll: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Return the id of the deployment the change started once ECS completed it; raise WorkerRolloutFailed if it
    never will.

    `before`: the service's deployment ids before the change (see `started_deployment`).
    """
    cluster, service, task_definition = revision.cluster, revision.service, revision.task_definition
    container_name = revision.container_name
    deadline = time.monotonic() + timeout
    ours_id: str | None = None
    while True:
        [described] = ecs.describe_services(cluster=cluster, services=[service])["services"]
        deployments = described["deployments"]
        if ours_id is None:
            ours = started_deployment(deployments, task_definition=task_definition, before=before)
        else:
            ours = next((d for d in deployments if d["id"] == ours_id), None)
        if ours is None:
            raise WorkerRolloutFailed(
                _failure(ecs, described, task_definition, container_name, "ECS rolled it back and dropped it")
            )
        ours_id = ours["id"]
        if ours["rolloutState"] == "FAILED":
            reason = ours.get("rolloutStateReason") or "the deployment circuit breaker tripped"
            raise WorkerRolloutFailed(_failure(ecs, described, task_definition, container_name, reason))
        if ours["rolloutState"] == "COMPLETED" and ours["status"] == "PRIMARY":
            return str(ours_id)
        if time.monotonic() >= deadline:
            raise WorkerRolloutFailed(
                _failure(
                    ecs,
                    described,
                    task_definition,
                    container_name,
                    f"still {ours['rolloutState']} after {timeout:.0f} s",
                )
            )
        sleep(poll)


def _ecs(auth: ProviderAuth, cluster: str) -> Any:
    """ECS as the AWS provider the service was created with calls it, in the service's own region (its cluster's)."""
    return auth.session(parse_arn(cluster).region).client("ecs")


async def record_deployments_before_update(args: pulumi.ResourceHookArgs, *, auth: ProviderAuth) -> None:
    """The before-update hook's body: remember the deployments the service has before Pulumi updates it."""
    outputs = args.old_outputs or {}
    cluster = str(outputs["cluster"])
    # Off the event loop: the engine's callback server keeps answering meanwhile.
    ids = await asyncio.to_thread(deployment_ids, _ecs(auth, cluster), cluster=cluster, service=str(outputs["name"]))
    with _deployments_guard:
        _deployments_before_update[args.urn] = ids


async def check_rollout_after_change(
    args: pulumi.ResourceHookArgs,
    *,
    container_name: str,
    auth: ProviderAuth,
    timeout: float = ROLLOUT_TIMEOUT_SECONDS,
) -> str:
    """The after-create and after-update hook's body: wait for the rollout the change started; return its id."""
    outputs = args.new_outputs or {}
    cluster = str(outputs["cluster"])
    before: frozenset[str] | None = frozenset()
    if args.old_outputs is not None:
        with _deployments_guard:
            before = _deployments_before_update.pop(args.urn, None)
    return await asyncio.to_thread(
        wait_for_rollout,
        _ecs(auth, cluster),
        ServiceRevision(
            cluster=cluster,
            service=str(outputs["name"]),
            task_definition=str(outputs["taskDefinition"]),
            container_name=container_name,
        ),
        before=before,
        timeout=timeout,
    )


def rollout_hooks(
    service_name: str, container_name: str, auth: ProviderAuth
) -> tuple[pulumi.ResourceHook, pulumi.ResourceHook]:
    """A service's before-update hook, and its after-create and after-update hook, named after the service's
    resource (`<component>-worker`, `<component>-server`): a hook's name is kept in state, and the engine looks
    it up by that name.

    Both call ECS as the AWS provider the service was created with (`auth`).
    """

    async def record_deployments(args: pulumi.ResourceHookArgs) -> None:
        await record_deployments_before_update(args, auth=auth)

    async def check_rollout(args: pulumi.ResourceHookArgs) -> None:
        await check_rollout_after_change(args, container_name=container_name, auth=auth)

    return (
        pulumi.ResourceHook(f"{service_name}-rollout-baseline", record_deployments),
        pulumi.ResourceHook(f"{service_name}-rollout", check_rollout),
    )
