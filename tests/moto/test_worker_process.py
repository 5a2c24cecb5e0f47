"""The worker as ECS runs it, against a real Prefect server: it never re-creates the pool Pulumi deletes.

`prefect worker start` creates its pool when it finds none, unless told not to; a pool deleted by `pulumi
destroy` while a worker still ran came back with prefect-aws's default template, which the next `pulumi up`
refused to adopt. Here a worker-mode stack is deployed into moto (a loopback server, for the worker's observer),
its pool is created on a real Prefect server (loopback, basic auth) by the pool's own provider from the inputs
the component registered, and a real worker process is started with the command and environment of the worker
task definition the component registered, the secret resolved from moto's Secrets Manager as ECS resolves
`valueFrom`. Like the ECS service, the test starts a new task when the worker exits.

Only what ECS itself would add to the environment (the region, the task role's credentials: moto's here) and
the worker's timing settings (heartbeat and poll every second, debug logs to count heartbeats by, a free port
for its health server) are not from the task definition.

prefect 3.8.8, read and run: with `--no-create-pool-if-not-found`, a worker that starts without its pool logs
"Work pool ... not found!" at each heartbeat and keeps running; one whose pool is deleted under it exits at the
next heartbeat (the server answers the heartbeat 404), and its replacement then starts without the pool. With
the default it creates the pool again at the first heartbeat after the deletion.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from prefect_ecs_platform.prefect_api import NotFound, PrefectApi
from prefect_ecs_platform.resources import WorkPoolProvider
from tests.support.moto.component_in_moto import DeployedStack, deploy_component, unsecret
from tests.support.moto.moto_patches import fargate_containers_without_memory
from tests.support.moto.moto_server import aws_clients_pointed_at, moto_server
from tests.support.moto.worker_task import WorkerTasks, worker_environment
from tests.support.prefect_server import running_prefect_server

pytestmark = pytest.mark.moto

REGION = "us-east-1"
STACK = "moto-worker-process"
AUTH_STRING = "admin:worker-process-password"
#: How long the worker may take to start and to beat twice: generous bounds, never what a test asserts.
STARTUP_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True, kw_only=True)
class Platform:
    stack: DeployedStack
    session: boto3.Session
    moto_endpoint: str
    api_url: str


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A worker-mode stack deployed into a moto server, whose API URL and auth string are a real server's."""
    home = tmp_path_factory.mktemp("worker-process-prefect-home")
    with (
        running_prefect_server(home, {"PREFECT_SERVER_API_AUTH_STRING": AUTH_STRING}) as api_url,
        moto_server() as endpoint,
        aws_clients_pointed_at(endpoint, REGION) as session,
        fargate_containers_without_memory(),
    ):
        stack = deploy_component(session, STACK, "worker", prefect_api_url=api_url, prefect_api_auth_string=AUTH_STRING)
        yield Platform(stack=stack, session=session, moto_endpoint=endpoint, api_url=api_url)


def pool_props(stack: DeployedStack) -> dict[str, Any]:
    """The pool's inputs as the component registered them, as its provider receives them."""
    return {key: value for key, value in unsecret(stack.work_pool.inputs).items() if not key.startswith("__")}


def task_environment(platform: Platform, home: Path) -> dict[str, str]:
    return worker_environment(platform.stack.worker_container, platform.session, platform.moto_endpoint, home)


def _workers_of(api: PrefectApi, pool: str) -> list[dict[str, Any]]:
    """The workers the server has seen heartbeat on `pool`."""
    body, _ = api.request("POST", f"work_pools/{pool}/workers/filter", "the pool's workers", json={})
    return list(body)


def _exists(api: PrefectApi, pool: str) -> bool:
    try:
        api.read_work_pool(pool)
    except NotFound:
        return False
    return True


@dataclass(frozen=True, kw_only=True)
class AfterDeletion:
    #: Whether the first worker still ran, the only one started, two heartbeats after the server first listed it.
    first_worker_stayed_up: bool
    heartbeats_after_deletion: int
    #: Whether the server had the pool once those heartbeats had begun.
    pool_exists: bool
    log: str


@pytest.fixture(scope="module")
def after_deletion(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AfterDeletion]:
    """The pool created, the worker started, seen by the server and two heartbeats on; the pool deleted, two more."""
    pool_name = str(platform.stack.work_pool.inputs["name"])
    pools = WorkPoolProvider()
    props = pool_props(platform.stack)
    created = pools.create(props)
    tasks = WorkerTasks(
        command=list(platform.stack.worker_container["command"]),
        environment=task_environment(platform, tmp_path_factory.mktemp("worker-home")),
        logs=tmp_path_factory.mktemp("worker-logs"),
    )
    with PrefectApi(platform.api_url, auth_string=AUTH_STRING) as api:
        tasks.start()
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
            while not _workers_of(api, pool_name):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the worker never reached the server:\n{tasks.log_text()[-4000:]}")
                time.sleep(0.2)
            tasks.wait_for_heartbeats(2, restart=False)
            stayed_up = len(tasks.processes) == 1 and tasks.processes[0].poll() is None

            pools.delete(created.id, props)
            beats_at_deletion = tasks.heartbeats()
            tasks.wait_for_heartbeats(2, restart=True)
            yield AfterDeletion(
                first_worker_stayed_up=stayed_up,
                heartbeats_after_deletion=tasks.heartbeats() - beats_at_deletion,
                pool_exists=_exists(api, pool_name),
                log=tasks.log_text(),
            )
        finally:
            tasks.stop()
            if _exists(api, pool_name):
                api.delete_work_pool(pool_name)


def test_the_worker_starts_and_stays_up_with_its_pool(after_deletion: AfterDeletion) -> None:
    """With the pool there first (the order the stack creates them in), the worker comes up and does not exit."""
    assert after_deletion.first_worker_stayed_up


def test_the_deleted_pool_stays_deleted_after_two_heartbeats(after_deletion: AfterDeletion) -> None:
    """Two heartbeats after the pool's deletion the server still has no such pool: the worker made none."""
    assert after_deletion.heartbeats_after_deletion >= 2
    pool_lines = [line for line in after_deletion.log.splitlines() if "Work pool" in line]
    assert not after_deletion.pool_exists, "the pool is back:\n" + "\n".join(pool_lines)
