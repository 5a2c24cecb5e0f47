"""The stack's work queues on a real Prefect server, through Pulumi's provider host.

Priorities: the server renumbers the pool's queues when a queue is made with a priority one of them holds. The
platform's queues (`create_work_queues`, the code `PrefectEcsPlatform` runs) put the pool back in the stack's
order after each write, so a reorder that also makes a queue in the middle ends with every queue at its own
priority, `default` right after them, and a following `pulumi up`, refreshed or not, writes nothing.

Limits: a deployment on a queue with a concurrency limit gets no more runs handed out than the limit, as a
worker polling the pool sees it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from prefect_ecs_platform import PrefectEcsPlatformArgs, WorkQueueArgs
from prefect_ecs_platform.inputs.api_access import PrefectApiAccess
from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.resources import WorkPool
from prefect_ecs_platform.resources.shared_objects import create_work_queues
from prefect_ecs_platform.resources.work_queue import WorkQueueProvider
from tests.support.engine import Engine
from tests.support.many_objects import up
from tests.support.provider_host import running_provider_host
from tests.support.wire_proxy import wire_proxy

pytestmark = pytest.mark.server


@pytest.fixture
def engine() -> Iterator[Engine]:
    with running_provider_host() as host:
        yield Engine(host, 8, stack="queues")


def _program(api_url: str, pool: str, queues: list[WorkQueueArgs]) -> Any:
    args = PrefectEcsPlatformArgs(prefect_api_url=api_url, work_pool_name=pool, work_queues=queues)

    def run() -> None:
        made = WorkPool("pool", name=pool, type="process", api_url=api_url, base_job_template={})
        create_work_queues("data", args, made, api=PrefectApiAccess.given(args), opts=pulumi.ResourceOptions())

    return run


def _priorities(api: PrefectApi, pool: str) -> list[tuple[str, int]]:
    stored, _ = api.request("POST", f"/work_pools/{pool}/queues/filter", "queues", json={})
    return [(queue["name"], queue["priority"]) for queue in stored]


def _writes(proxy: Any) -> dict[str, int]:
    return {route: count for route, count in proxy.take().items() if not route.startswith("GET ")}


def test_a_reorder_that_makes_a_queue_in_the_middle_ends_with_the_declared_priorities(
    prefect_api_url: str, api: PrefectApi, engine: Engine
) -> None:
    pool = f"order-{uuid.uuid4().hex[:8]}"
    with wire_proxy(prefect_api_url.removesuffix("/api")) as proxy:
        url = proxy.url + "/api"
        first = [WorkQueueArgs(name=n, priority=p) for n, p in (("a", 1), ("b", 2), ("c", 3))]
        up(engine, _program(url, pool, first))
        assert _priorities(api, pool) == [("a", 1), ("b", 2), ("c", 3), ("default", 4)]

        # c goes first, to 1 beside a; n, made at 2, makes the server renumber the pool and push c down.
        second = [WorkQueueArgs(name=n, priority=p) for n, p in (("a", 4), ("b", 3), ("c", 1), ("n", 2))]
        up(engine, _program(url, pool, second))
        assert _priorities(api, pool) == [("c", 1), ("n", 2), ("b", 3), ("a", 4), ("default", 5)]

        proxy.take()
        up(engine, _program(url, pool, second))
        assert _writes(proxy) == {}
        engine.refresh()
        up(engine, _program(url, pool, second))
        assert _writes(proxy) == {}
        engine.destroy()
    assert api.request("POST", "/work_pools/filter", "pools", json={"work_pools": {"name": {"any_": [pool]}}})[0] == []


def test_a_queue_moved_in_the_ui_is_drift_and_goes_back(prefect_api_url: str, api: PrefectApi, engine: Engine) -> None:
    pool = f"drift-{uuid.uuid4().hex[:8]}"
    queues = [WorkQueueArgs(name="a", priority=1), WorkQueueArgs(name="b", priority=2, concurrency_limit=2)]
    up(engine, _program(prefect_api_url, pool, queues))
    api.request("PATCH", f"/work_pools/{pool}/queues/b", "queue", json={"priority": 7, "concurrency_limit": None})
    engine.refresh()
    up(engine, _program(prefect_api_url, pool, queues))
    stored, _ = api.request("GET", f"/work_pools/{pool}/queues/b", "queue")
    assert (stored["priority"], stored["concurrency_limit"]) == (2, 2)
    engine.destroy()


def test_the_server_hands_out_no_more_runs_of_a_queue_than_its_limit(
    prefect_api_url: str, api: PrefectApi, unique: str
) -> None:
    pool = f"limit-{unique}"
    api.create_work_pool({"name": pool, "type": "process"})
    provider = WorkQueueProvider()
    props = {"name": "etl", "work_pool_name": pool, "concurrency_limit": 1, "priority": 1, "api_url": prefect_api_url}
    provider.create(props)
    flow, _ = api.request("POST", "/flows/", "flow", json={"name": f"limited-{unique}"})
    deployment, _ = api.request(
        "POST",
        "/deployments/",
        "deployment",
        json={"name": "limited", "flow_id": flow["id"], "work_pool_name": pool, "work_queue_name": "etl"},
    )
    for _ in range(3):
        api.request("POST", f"/deployments/{deployment['id']}/create_flow_run", "run", json={})

    def poll() -> list[dict[str, Any]]:
        runs, _ = api.request("POST", f"/work_pools/{pool}/get_scheduled_flow_runs", "poll", json={})
        return list(runs)

    [handed] = poll()
    run_id = handed["flow_run"]["id"]
    api.request("POST", f"/flow_runs/{run_id}/set_state", "state", json={"state": {"type": "PENDING"}})
    assert poll() == []
    api.request("POST", f"/flow_runs/{run_id}/set_state", "state", json={"state": {"type": "RUNNING"}})
    assert poll() == []
    api.request("POST", f"/flow_runs/{run_id}/set_state", "state", json={"state": {"type": "COMPLETED"}})
    assert len(poll()) == 1
    api.delete_work_pool(pool)
