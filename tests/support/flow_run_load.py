"""Flow runs moved through their states as a worker and a flow run move them, through Prefect's REST API.

The bodies are the ones Prefect's own client sends (`prefect/client/orchestration`, `prefect.states.
to_state_create`); every proposal honours the orchestration's answer as `prefect.utilities.engine.
propose_state` does. `Recorder` keeps each request's latency and each completion's time; `runs_per_minute`
and `percentile` turn them into the figures.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import statistics
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from prefect_ecs_platform.prefect_api.job_template import JobTemplateSettings, build_base_job_template

#: A WAIT's delay is slept as given, up to this (Prefect's own client sleeps it whole).
MAX_WAIT_SECONDS = 5.0
#: Prefect's defaults for a worker: PREFECT_WORKER_QUERY_SECONDS and PREFECT_WORKER_HEARTBEAT_SECONDS.
WORKER_QUERY_SECONDS = 10.0
WORKER_HEARTBEAT_SECONDS = 30.0

POOL = "capacity-bench"
FLOW = "capacity-bench"
DEPLOYMENT = "capacity"
#: Deployments the runs are spread over, round robin, as a stack's runs come from many.
DEPLOYMENTS = 10
LOG_LINES = 3


def _now() -> str:
    return datetime.now(UTC).isoformat()


def state_body(state_type: str, **details: Any) -> dict[str, Any]:
    """A proposed state as Prefect's `to_state_create(...)` sends it; the server fills the other details."""
    name = state_type.capitalize()
    return {
        "type": state_type,
        "name": name,
        "message": None,
        "state_details": {"transition_id": str(uuid.uuid4()), **details},
        "data": None,
    }


@dataclass
class Recorder:
    """Each request's latency by kind and each completed flow run's time, on the monotonic clock."""

    latencies: list[tuple[float, str, float]] = field(default_factory=list)
    completions: list[float] = field(default_factory=list)
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)

    def record(self, kind: str, seconds: float) -> None:
        self.latencies.append((time.monotonic(), kind, seconds))

    def between(self, start: float, end: float, prefix: str) -> list[float]:
        return [s for at, kind, s in self.latencies if start <= at < end and kind.startswith(prefix)]


async def _call(client: httpx.AsyncClient, recorder: Recorder, kind: str, method: str, path: str, **kw: Any) -> Any:
    start = time.perf_counter()
    response = await client.request(method, path, **kw)
    recorder.record(kind, time.perf_counter() - start)
    response.raise_for_status()
    return response.json() if response.content else None


class Aborted(Exception):
    """The server answered a proposal with ABORT."""


async def propose(
    client: httpx.AsyncClient, recorder: Recorder, run: str, run_id: str, state_type: str, **details: Any
) -> str:
    """Propose a state to a flow run (`run="flow_runs"`) or task run; return the state the run is in after.

    As `prefect.utilities.engine.propose_state`: WAIT sleeps its delay and proposes again (a new transition
    id each time, as Prefect's client sends), ACCEPT and REJECT give the server's state, ABORT raises.
    """
    owner = "flow_run_id" if run == "flow_runs" else "task_run_id"
    while True:
        body = {"state": state_body(state_type, **{owner: run_id}, **details), "force": False}
        reply = await _call(
            client, recorder, f"state {run} {state_type}", "POST", f"/{run}/{run_id}/set_state", json=body
        )
        status = reply["status"]
        if status == "WAIT":
            await asyncio.sleep(min(float(reply["details"].get("delay_seconds") or 0), MAX_WAIT_SECONDS))
            continue
        if status == "ABORT":
            raise Aborted(str(reply["details"].get("reason")))
        return str((reply.get("state") or {}).get("type"))


@dataclass(frozen=True)
class Plan:
    deployment_id: str
    flow_id: str
    task_run: bool = True
    log_lines: int = LOG_LINES


def _logs(flow_run_id: str, lines: int, what: str, task_run_id: str | None = None) -> list[dict[str, Any]]:
    return [
        {
            "name": "prefect.task_runs" if task_run_id else "prefect.flow_runs",
            "level": 20,
            "message": f"{what} {line}",
            "timestamp": _now(),
            "flow_run_id": flow_run_id,
            "task_run_id": task_run_id,
        }
        for line in range(lines)
    ]


async def flow_run_lifecycle(client: httpx.AsyncClient, plan: Plan, recorder: Recorder) -> str:
    """One flow run from creation to its final state; returns the outcome (`COMPLETED`, or where it stopped).

    The worker (prefect/workers/base.py `_submit_run`, `_get_configuration`): read the deployment, propose
    PENDING, read the deployment and the flow to build the job. The flow run (the engine in its container):
    read itself and its deployment, propose RUNNING, send its log lines (one batch, as the API log handler
    batches), run one task (create it PENDING, RUNNING, COMPLETED), more log lines, then COMPLETED.
    """
    deployment = f"/deployments/{plan.deployment_id}"
    created = await _call(
        client,
        recorder,
        "create flow run",
        "POST",
        f"{deployment}/create_flow_run",
        json={"state": state_body("SCHEDULED", scheduled_time=_now()), "parameters": {}},
    )
    run_id = str(created["id"])
    await _call(client, recorder, "read", "GET", deployment)
    if (state := await propose(client, recorder, "flow_runs", run_id, "PENDING")) != "PENDING":
        return f"worker stopped: {state} instead of PENDING"
    await _call(client, recorder, "read", "GET", deployment)
    await _call(client, recorder, "read", "GET", f"/flows/{plan.flow_id}")
    await _call(client, recorder, "read", "GET", f"/flow_runs/{run_id}")
    await _call(client, recorder, "read", "GET", deployment)
    if (state := await propose(client, recorder, "flow_runs", run_id, "RUNNING")) != "RUNNING":
        return f"flow run stopped: {state} instead of RUNNING"
    await _call(client, recorder, "logs", "POST", "/logs/", json=_logs(run_id, plan.log_lines, "started"))
    if plan.task_run:
        task = await _call(
            client,
            recorder,
            "create task run",
            "POST",
            "/task_runs/",
            json={
                "name": "step-0",
                "flow_run_id": run_id,
                "task_key": "bench-step",
                "dynamic_key": "0",
                "state": state_body("PENDING"),
            },
        )
        task_id = str(task["id"])
        if (state := await propose(client, recorder, "task_runs", task_id, "RUNNING")) != "RUNNING":
            return f"task run stopped: {state} instead of RUNNING"
        if (state := await propose(client, recorder, "task_runs", task_id, "COMPLETED")) != "COMPLETED":
            return f"task run stopped: {state} instead of COMPLETED"
        await _call(client, recorder, "logs", "POST", "/logs/", json=_logs(run_id, plan.log_lines, "step", task_id))
    state = await propose(client, recorder, "flow_runs", run_id, "COMPLETED")
    if state == "COMPLETED":
        recorder.completions.append(time.monotonic())
    return state


async def set_up(client: httpx.AsyncClient, deployments: int = DEPLOYMENTS) -> list[Plan]:
    """The flow, an ECS work pool with the platform's base job template, and `deployments` deployments on it."""
    template = build_base_job_template(
        JobTemplateSettings(
            cluster_arn="arn:aws:ecs:eu-west-1:123456789012:cluster/bench",
            subnet_ids=["subnet-0123456789abcdef0"],
            security_group_ids=["sg-0123456789abcdef0"],
            assign_public_ip=False,
            execution_role_arn="arn:aws:iam::123456789012:role/bench-execution",
            task_role_arn="arn:aws:iam::123456789012:role/bench-task",
            image_uri="123456789012.dkr.ecr.eu-west-1.amazonaws.com/flows:bench",
            cpu=1024,
            memory=2048,
            use_fargate_spot=False,
            log_group_name="/bench/flows",
            region="eu-west-1",
            log_stream_prefix="bench",
        )
    )
    flow = (await client.post("/flows/", json={"name": FLOW})).raise_for_status().json()
    pool = await client.post("/work_pools/", json={"name": POOL, "type": "ecs", "base_job_template": template})
    if pool.status_code != 409:
        pool.raise_for_status()
    plans = []
    for index in range(deployments):
        body = {
            "name": f"{DEPLOYMENT}-{index:03d}",
            "flow_id": flow["id"],
            "work_pool_name": POOL,
            "entrypoint": "flows/bench.py:bench",
            "parameters": {},
            "job_variables": {"cpu": 1024, "memory": 2048},
        }
        deployment = (await client.post("/deployments/", json=body)).raise_for_status().json()
        plans.append(Plan(str(deployment["id"]), str(flow["id"])))
    return plans


async def worker_traffic(client: httpx.AsyncClient, recorder: Recorder, until: float) -> None:
    """One worker's own traffic: its poll and its heartbeat, at Prefect's default intervals."""
    last_beat = -WORKER_HEARTBEAT_SECONDS
    while time.monotonic() < until:
        with contextlib.suppress(httpx.HTTPError):
            if time.monotonic() - last_beat >= WORKER_HEARTBEAT_SECONDS:
                last_beat = time.monotonic()
                beat = {"name": "capacity-bench-worker", "heartbeat_interval_seconds": WORKER_HEARTBEAT_SECONDS}
                await _call(client, recorder, "worker", "POST", f"/work_pools/{POOL}/workers/heartbeat", json=beat)
            before = (datetime.now(UTC) + timedelta(seconds=WORKER_QUERY_SECONDS)).isoformat()
            poll = {"scheduled_before": before}
            await _call(client, recorder, "worker", "POST", f"/work_pools/{POOL}/get_scheduled_flow_runs", json=poll)
        await asyncio.sleep(min(WORKER_QUERY_SECONDS, max(0.0, until - time.monotonic())))


# --- Measuring ----------------------------------------------------------------------------------------------


def runs_per_minute(completions: Sequence[float], start: float, end: float) -> float:
    """Completions in [start, end), per minute."""
    if end <= start:
        raise ValueError("an empty window")
    return sum(start <= at < end for at in completions) / (end - start) * 60


def percentile(values: Sequence[float], percent: int) -> float | None:
    """The `percent`th percentile (inclusive method); None for no values."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]
