"""`pulumi up` fails when the worker service's rollout fails, instead of reporting success over a crash loop.

ECS accepts CreateService and UpdateService at once and rolls out afterwards; with the deployment circuit
breaker it gives up on a failing task definition and rolls back, which neither the provider nor
`wait_for_steady_state` reports (hashicorp/terraform-provider-aws#19519, #20858). A resource hook after the
service's create and update waits for the deployment of the task definition Pulumi just set and raises when
ECS marks it FAILED or replaces it with a rollback.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

import pulumi

from prefect_ecs_platform.aws.hook_session import ProviderAuth
from prefect_ecs_platform.inputs.arns import parse_arn

#: A circuit breaker needs several failed tasks (at least 3, more for larger services) before it trips.
ROLLOUT_TIMEOUT_SECONDS = 20 * 60
POLL_SECONDS = 15.0


class WorkerRolloutFailed(pulumi.RunError):
    """The worker service's new task definition never reached a completed rollout."""


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
        f"The worker's logs: CloudWatch log group {group}, streams {stream_prefix}<task id> "
        f"(`aws logs tail {group} --log-stream-name-prefix {stream_prefix} --since 1h`)."
    )


def _failure(ecs: Any, service: Mapping[str, Any], task_definition: str, container_name: str, why: str) -> str:
    events = "; ".join(event["message"] for event in service.get("events", [])[:3]) or "none"
    primary = next((d for d in service["deployments"] if d["status"] == "PRIMARY"), None)
    now_running = primary["taskDefinition"] if primary else "nothing"
    return (
        f"The Prefect worker service {service['serviceName']} did not roll out {task_definition}: {why}. "
        f"ECS now runs {now_running}. {_log_hint(ecs, task_definition, container_name)} "
        f"Recent service events: {events}. Pulumi state records the new task definition; after fixing the cause, "
        "run `pulumi up --refresh` so the rolled-back service is deployed again."
    )


def wait_for_rollout(
    ecs: Any,
    *,
    cluster: str,
    service: str,
    task_definition: str,
    container_name: str,
    timeout: float = ROLLOUT_TIMEOUT_SECONDS,
    poll: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Return once ECS completed the rollout of `task_definition`; raise WorkerRolloutFailed if it never will."""
    deadline = time.monotonic() + timeout
    while True:
        [described] = ecs.describe_services(cluster=cluster, services=[service])["services"]
        deployments = described["deployments"]
        ours = next((d for d in deployments if d["taskDefinition"] == task_definition), None)
        if ours is None:
            raise WorkerRolloutFailed(
                _failure(ecs, described, task_definition, container_name, "ECS rolled it back and dropped it")
            )
        if ours["rolloutState"] == "FAILED":
            reason = ours.get("rolloutStateReason") or "the deployment circuit breaker tripped"
            raise WorkerRolloutFailed(_failure(ecs, described, task_definition, container_name, reason))
        if ours["rolloutState"] == "COMPLETED" and ours["status"] == "PRIMARY":
            return
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


async def check_rollout_after_change(
    args: pulumi.ResourceHookArgs,
    *,
    container_name: str,
    auth: ProviderAuth,
    timeout: float = ROLLOUT_TIMEOUT_SECONDS,
) -> None:
    """The hook's body: wait for the rollout of the service Pulumi just created or updated.

    It calls ECS as the AWS provider the service was created with does (`auth`), in the service's own region,
    read from its cluster's ARN.
    """
    outputs = args.new_outputs or {}
    cluster = str(outputs["cluster"])
    session = auth.session(parse_arn(cluster).region)
    # Off the event loop: the engine's callback server keeps answering while the rollout is awaited.
    await asyncio.to_thread(
        wait_for_rollout,
        session.client("ecs"),
        cluster=cluster,
        service=str(outputs["name"]),
        task_definition=str(outputs["taskDefinition"]),
        container_name=container_name,
        timeout=timeout,
    )


def rollout_hook(name: str, container_name: str, auth: ProviderAuth) -> pulumi.ResourceHook:
    """The after-create and after-update hook of the worker service."""

    async def check_worker_rollout(args: pulumi.ResourceHookArgs) -> None:
        await check_rollout_after_change(args, container_name=container_name, auth=auth)

    return pulumi.ResourceHook(f"{name}-worker-rollout", check_worker_rollout)
