"""The worker's rollout check against moto's ECS: `pulumi up` fails when ECS gives the new worker up.

moto completes or leaves a service deployment in progress but never fails one, so the failed and rolled-back
rollouts are patched into its ECS backend the way ECS reports them after the circuit breaker trips.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.ecs.models import ecs_backends
from pulumi import ResourceHookArgs

from prefect_ecs_platform.aws.hook_session import ProviderAuth
from prefect_ecs_platform.aws.provider_auth import AwsAuth
from prefect_ecs_platform.aws.worker_rollout import (
    ServiceRevision,
    WorkerRolloutFailed,
    check_rollout_after_change,
    deployment_ids,
    record_deployments_before_update,
    wait_for_rollout,
)
from prefect_ecs_platform.aws.worker_service import WORKER_CONTAINER_NAME, worker_command, worker_container
from tests.support.private_loop import run_in_private_loop

pytestmark = pytest.mark.moto

#: The hooks act as a provider configured by the environment alone, which points at moto here.
AUTH = ProviderAuth(AwsAuth(source="the test's environment"))

REGION = "eu-west-1"
ACCOUNT = "123456789012"
LOG_GROUP = "/prefect/data/flow-runs"
#: When the patched-in deployments were created, give or take their `created` minutes.
START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture
def ecs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's ECS with a cluster and two revisions of the worker's task definition, as the component defines it."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("ecs", region_name=REGION)
        client.create_cluster(clusterName="data-cluster")
        container = worker_container(
            image=f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/flows@sha256:" + "a" * 64,
            command=worker_command("ecs-prod", []),
            prefect_api_url="https://prefect.example/api",
            events_queue_name="data-task-events",
            log_group_name=LOG_GROUP,
            region=REGION,
            secrets=[],
        )
        # moto needs a container memory to place tasks; the component sets it at task level (Fargate).
        for _ in range(2):
            client.register_task_definition(
                family="data-prefect-worker",
                containerDefinitions=[{**container, "memory": 1024}],
                requiresCompatibilities=["FARGATE"],
                networkMode="awsvpc",
                cpu="512",
                memory="1024",
            )
        yield client


def _arn(revision: int) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/data-prefect-worker:{revision}"


def _service(ecs: Any, revision: int) -> dict[str, Any]:
    ecs.create_service(cluster="data-cluster", serviceName="data-worker", taskDefinition=_arn(revision), desiredCount=1)
    return ecs_backends[ACCOUNT][REGION].services["data-cluster:data-worker"].deployments[0]


def _deployment(
    revision: int, *, status: str, rollout: str, reason: str = "", id_: str | None = None, created: int = 0
) -> dict[str, Any]:
    created_at = START + datetime.timedelta(minutes=created)
    return {"id": id_ or f"ecs-svc/{revision}", "taskDefinition": _arn(revision), "status": status,
            "rolloutState": rollout, "rolloutStateReason": reason, "createdAt": created_at}  # fmt: skip


def _patch(deployments: list[dict[str, Any]], events: tuple[str, ...] = ()) -> None:
    service = ecs_backends[ACCOUNT][REGION].services["data-cluster:data-worker"]
    service.deployments = deployments
    service.events = [{"id": str(i), "createdAt": 0, "message": message} for i, message in enumerate(events)]


def _wait(ecs: Any, revision: int, **options: Any) -> str:
    service = ServiceRevision(
        cluster="data-cluster",
        service="data-worker",
        task_definition=_arn(revision),
        container_name=WORKER_CONTAINER_NAME,
    )
    return wait_for_rollout(ecs, service, **options)


def test_completed_rollout_passes(ecs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A service whose tasks all run has a COMPLETED primary deployment: the check returns."""
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    assert _service(ecs, 2)["rolloutState"] == "COMPLETED"
    _wait(ecs, 2, poll=0)


def test_rollout_in_progress_is_waited_for(ecs: Any) -> None:
    """IN_PROGRESS is polled until ECS completes it, not taken as success."""
    deployment = _service(ecs, 2)
    assert deployment["rolloutState"] == "IN_PROGRESS"
    polls: list[float] = []

    def complete_after_two_polls(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 2:
            deployment["rolloutState"] = "COMPLETED"

    _wait(ecs, 2, poll=5, sleep=complete_after_two_polls)
    assert polls == [5, 5]


def test_failed_rollout_fails_with_the_reason_and_the_log_stream(ecs: Any) -> None:
    """The circuit breaker's FAILED deployment fails the check, naming the reason, the rollback and the logs."""
    _service(ecs, 2)
    _patch(
        [
            _deployment(1, status="PRIMARY", rollout="IN_PROGRESS"),
            _deployment(2, status="ACTIVE", rollout="FAILED",
                        reason="ECS deployment circuit breaker: tasks failed to start."),
        ],
        events=("(service data-worker) deployment ecs-svc/2 deployment failed: tasks failed to start.",),
    )  # fmt: skip
    with pytest.raises(WorkerRolloutFailed) as failure:
        _wait(ecs, 2, poll=0)
    message = str(failure.value)
    assert "ECS deployment circuit breaker: tasks failed to start." in message
    assert f"ECS now runs {_arn(1)}" in message
    assert f"log group {LOG_GROUP}, streams worker/{WORKER_CONTAINER_NAME}/<task id>" in message
    assert "deployment ecs-svc/2 deployment failed" in message
    assert "pulumi up --refresh" in message


def test_rollout_dropped_by_a_rollback_fails(ecs: Any) -> None:
    """Once ECS has rolled back and dropped the failed deployment, the check still fails."""
    _service(ecs, 2)
    _patch([_deployment(1, status="PRIMARY", rollout="COMPLETED")])
    with pytest.raises(WorkerRolloutFailed, match="rolled it back"):
        _wait(ecs, 2, poll=0)


def test_rollout_that_never_settles_fails_at_the_timeout(ecs: Any) -> None:
    """A deployment still IN_PROGRESS at the deadline fails rather than hanging `pulumi up`."""
    _service(ecs, 2)
    with pytest.raises(WorkerRolloutFailed, match="still IN_PROGRESS after 0 s"):
        _wait(ecs, 2, poll=0, timeout=0)


def test_hook_reads_the_service_from_its_outputs_and_checks_in_its_region(ecs: Any) -> None:
    """The after-update hook finds cluster, service and task definition in the engine's outputs."""
    _service(ecs, 2)
    _patch([_deployment(2, status="PRIMARY", rollout="FAILED", reason="tasks failed to start")])
    outputs = {
        "cluster": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/data-cluster",
        "name": "data-worker",
        "taskDefinition": _arn(2),
    }
    args = ResourceHookArgs(
        urn="urn:x", id="x", name="data-worker", type="aws:ecs/service:Service", new_outputs=outputs
    )
    # A private loop: asyncio.run would unset the thread's current loop, which Pulumi's mocks need later.
    loop = asyncio.new_event_loop()
    check = check_rollout_after_change(args, container_name=WORKER_CONTAINER_NAME, auth=AUTH, timeout=0)
    try:
        with pytest.raises(WorkerRolloutFailed, match="tasks failed to start"):
            loop.run_until_complete(check)
    finally:
        loop.close()


# An update that keeps the task definition (a new credential: `forceNewDeployment`), and its rollback

FORCED = "ecs-svc/forced"
ROLLBACK = "ecs-svc/rollback"
BEFORE = frozenset({"ecs-svc/2"})


def test_forced_deployment_that_completes_passes(ecs: Any) -> None:
    """The update's deployment (new id, same task definition) completing is success, the old one still draining."""
    _service(ecs, 2)
    _patch(
        [
            _deployment(2, status="PRIMARY", rollout="COMPLETED", id_=FORCED, created=5),
            _deployment(2, status="ACTIVE", rollout="COMPLETED"),
        ]
    )
    assert _wait(ecs, 2, poll=0, before=BEFORE) == FORCED


def test_forced_deployment_rolled_back_to_the_same_task_definition_fails(ecs: Any) -> None:
    """A rollback to the same task definition completes, but the update's own deployment FAILED: the check fails.

    Identifying the deployment by its task definition would read the rollback's and report success.
    """
    _service(ecs, 2)
    _patch(
        [
            _deployment(2, status="PRIMARY", rollout="COMPLETED", id_=ROLLBACK, created=9),
            _deployment(2, status="ACTIVE", rollout="FAILED", reason="tasks failed to start", id_=FORCED, created=5),
        ]
    )
    with pytest.raises(WorkerRolloutFailed, match="tasks failed to start"):
        _wait(ecs, 2, poll=0, before=BEFORE)


def test_forced_deployment_dropped_after_its_rollback_fails(ecs: Any) -> None:
    """Followed by id: once ECS drops the update's deployment, the rollback's of the same task definition is no
    success."""
    _service(ecs, 2)
    _patch(
        [
            _deployment(2, status="PRIMARY", rollout="IN_PROGRESS", id_=FORCED, created=5),
            _deployment(2, status="ACTIVE", rollout="COMPLETED"),
        ]
    )

    def circuit_breaker_trips(seconds: float) -> None:
        _patch([_deployment(2, status="PRIMARY", rollout="COMPLETED", id_=ROLLBACK, created=9)])

    with pytest.raises(WorkerRolloutFailed, match="rolled it back and dropped it"):
        _wait(ecs, 2, poll=5, before=BEFORE, sleep=circuit_breaker_trips)


def test_update_without_a_new_deployment_checks_what_runs(ecs: Any) -> None:
    """An update ECS applies in place (tags, desired count) starts no deployment: the running one must be ours."""
    _service(ecs, 2)
    _patch([_deployment(2, status="PRIMARY", rollout="COMPLETED")])
    assert _wait(ecs, 2, poll=0, before=BEFORE) == "ecs-svc/2"
    _patch([_deployment(1, status="PRIMARY", rollout="COMPLETED", id_="ecs-svc/2")])
    with pytest.raises(WorkerRolloutFailed, match="rolled it back"):
        _wait(ecs, 2, poll=0, before=BEFORE)


def _hook_args(ecs: Any, *, old: bool) -> ResourceHookArgs:
    outputs = {
        "cluster": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/data-cluster",
        "name": "data-worker",
        "taskDefinition": _arn(2),
    }
    return ResourceHookArgs(
        urn="urn:pulumi:dev::p::aws:ecs/service:Service::data-worker",
        id="x",
        name="data-worker",
        type="aws:ecs/service:Service",
        old_outputs=outputs if old else None,
        new_outputs=outputs,
    )


def test_hooks_follow_the_deployment_the_update_started(ecs: Any) -> None:
    """Before the update the hook records the deployments; after a forced one, the check fails on its rollback."""
    _service(ecs, 2)
    [before] = deployment_ids(ecs, cluster="data-cluster", service="data-worker")
    run_in_private_loop(record_deployments_before_update(_hook_args(ecs, old=True), auth=AUTH))
    ecs.update_service(cluster="data-cluster", service="data-worker", forceNewDeployment=True)
    service = ecs_backends[ACCOUNT][REGION].services["data-cluster:data-worker"]
    [forced] = service.deployments
    assert forced["id"] != before
    # What ECS shows once the circuit breaker has rolled the forced deployment back to the same revision.
    forced.update(status="ACTIVE", rolloutState="FAILED", rolloutStateReason="tasks failed to start")
    forced_at = forced["createdAt"]
    assert isinstance(forced_at, datetime.datetime)
    rollback = {**forced, "id": ROLLBACK, "status": "PRIMARY", "rolloutState": "COMPLETED",
                "createdAt": forced_at + datetime.timedelta(minutes=4)}  # fmt: skip
    service.deployments = [rollback, forced]
    check = check_rollout_after_change(
        _hook_args(ecs, old=True), container_name=WORKER_CONTAINER_NAME, auth=AUTH, timeout=0
    )
    with pytest.raises(WorkerRolloutFailed, match="tasks failed to start"):
        run_in_private_loop(check)


def test_baseline_of_a_service_deleted_outside_pulumi_is_empty(ecs: Any) -> None:
    """A missing service has no deployments to record; the update itself then reports the missing service."""
    assert deployment_ids(ecs, cluster="data-cluster", service="not-there") == frozenset()
