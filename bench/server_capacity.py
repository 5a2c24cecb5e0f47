"""How many flow runs the hosted Prefect server moves through their states per minute, at a task's CPU.

`python -m bench.server_capacity --seconds 60` (or as part of `python -m bench`) starts the server as the
ECS task starts it: the command and environment of `aws/server_container.py`, the three secrets set to test
values, on a throwaway PostgreSQL. Only what must point at this machine is changed (`LOCAL_OVERRIDES`, the
host and the port). The server's process is pinned to as many cores as the task has vCPUs (`SIZES`); the
load generator and PostgreSQL (RDS's stand-in) run on the other cores, or share them when there are none.

The load: one deployment on an ECS work pool with the platform's base job template, and `--concurrency`
flow runs at a time, each created from the deployment and moved as a worker and a flow run move it
(`flow_run_lifecycle`). Every state proposal honours the orchestration's answer, as Prefect's
`propose_state` does: WAIT sleeps and proposes again, REJECT takes the server's state, ABORT stops. One
simulated worker polls the pool and sends its heartbeat at Prefect's default intervals. After a warm-up,
completed flow runs are counted over a fixed window, with the latency of every state call.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg  # Prefect's PostgreSQL driver
import httpx

from bench import postgres  # the only use of the PostgreSQL helper: re-point this line if it moves
from prefect_ecs_platform.aws.server_container import DATABASE_NAME, server_command, server_environment
from prefect_ecs_platform.inputs.server_args import PrefectServerArgs
from prefect_ecs_platform.prefect_api.job_template import JobTemplateSettings, build_base_job_template
from tests.support.prefect_server import free_port

#: Test values of the secrets ECS reads from Secrets Manager when the task starts.
AUTH_STRING = "bench:capacity-bench"
DATABASE_PASSWORD = "capacity-bench"

STARTUP_TIMEOUT_SECONDS = 300.0
#: A WAIT's delay is slept as given, up to this (Prefect's own client sleeps it whole).
MAX_WAIT_SECONDS = 5.0
#: Prefect's defaults for a worker: PREFECT_WORKER_QUERY_SECONDS and PREFECT_WORKER_HEARTBEAT_SECONDS.
WORKER_QUERY_SECONDS = 10.0
WORKER_HEARTBEAT_SECONDS = 30.0

POOL = "capacity-bench"
FLOW = "capacity-bench"
DEPLOYMENT = "capacity"
LOG_LINES = 3


@dataclass(frozen=True)
class Size:
    label: str
    #: CPU units of the server's task; one core stands for each 1024 (one vCPU).
    cpu: int

    @property
    def cores(self) -> int:
        return self.cpu // 1024


#: The stack's default server task (PrefectServerArgs.cpu) and the size prod runs (2 vCPU).
SIZES = (Size("default", PrefectServerArgs().cpu), Size("prod", 2048))


# --- Starting the server as the task does -------------------------------------------------------------------

#: Settings of the task's own environment changed here, and why. Each must exist in `server_environment`,
#: so a renamed setting fails here instead of silently keeping the task's value.
LOCAL_OVERRIDES_WHY = {
    "PREFECT_SERVER_DATABASE_HOST": "the local PostgreSQL, not RDS",
    "PREFECT_SERVER_DATABASE_PORT": "the local PostgreSQL's free port",
    # The task verifies TLS against RDS with RDS's CA bundle; the throwaway local cluster serves no TLS.
    "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED": "the local PostgreSQL has no TLS",
    "PREFECT_SERVER_UI_STATIC_DIRECTORY": "a temporary directory, not the machine's shared /tmp/prefect-ui",
}


def task_environment(database_url: str, home: Path) -> dict[str, str]:
    """The task's environment and secrets, pointed at the local database; PREFECT_HOME in `home`."""
    database = urlsplit(database_url)
    if database.path.lstrip("/") != DATABASE_NAME:
        raise ValueError(f"the task's database is named {DATABASE_NAME!r}, not {database.path!r}")
    task = {item["name"]: item["value"] for item in server_environment(str(database.hostname))}
    overrides = {
        "PREFECT_SERVER_DATABASE_HOST": str(database.hostname),
        "PREFECT_SERVER_DATABASE_PORT": str(database.port),
        "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED": "false",
        "PREFECT_SERVER_UI_STATIC_DIRECTORY": str(home / "ui"),
    }
    missing = sorted(set(overrides) - set(task))
    if missing or set(overrides) != set(LOCAL_OVERRIDES_WHY):
        raise KeyError(f"the task's environment no longer sets {missing}")
    secrets = {
        "PREFECT_SERVER_DATABASE_USER": str(database.username),
        "PREFECT_SERVER_DATABASE_PASSWORD": DATABASE_PASSWORD,
        "PREFECT_SERVER_API_AUTH_STRING": AUTH_STRING,
    }
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return {**inherited, **task, **overrides, **secrets, "PREFECT_HOME": str(home)}


def task_command(port: int) -> list[str]:
    """The task's command with this machine's `prefect` and the server on loopback at `port`."""
    command = server_command()
    if command[0] != "prefect" or "--port" not in command or "--host" not in command:
        raise ValueError(f"unexpected server command {command}")
    command[command.index("--port") + 1] = str(port)
    # The task listens on 0.0.0.0 inside its own network namespace; here that would be every interface.
    command[command.index("--host") + 1] = "127.0.0.1"
    script = Path(sys.executable).with_name("prefect")
    return [str(script), *command[1:]] if script.exists() else [sys.executable, "-m", "prefect", *command[1:]]


def auth_headers() -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(AUTH_STRING.encode()).decode()}


def split_cores(available: Sequence[int], server_cores: int) -> tuple[list[int], list[int]]:
    """The server's cores and the generator's: the rest, or all of them when the server takes them all."""
    cores = sorted(available)
    if server_cores > len(cores):
        raise ValueError(f"{server_cores} cores asked for, {len(cores)} available")
    server, rest = cores[:server_cores], cores[server_cores:]
    return server, rest or cores


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                children[int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])].append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) used so far by `pid` and its live descendants."""
    ticks = 0
    for process in _descendants(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (Path("/proc") / str(process) / "stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def allowed_cores(pid: int) -> set[int]:
    """Cores any thread of `pid` or of its descendants may run on."""
    cores: set[int] = set()
    for process in _descendants(pid):
        with contextlib.suppress(OSError):
            for thread in (Path("/proc") / str(process) / "task").iterdir():
                cores |= os.sched_getaffinity(int(thread.name))
    return cores


@contextlib.contextmanager
def pinned(cores: Sequence[int]) -> Iterator[None]:
    """This process (and what it starts from here) on `cores` only."""
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        yield
    finally:
        os.sched_setaffinity(0, saved)


@contextlib.contextmanager
def running_task_server(database_url: str, home: Path, cores: Sequence[int]) -> Iterator[tuple[str, int]]:
    """The server as the task starts it, on `cores`; yield its API URL and pid once /api/health answers."""
    port = free_port()
    command = task_command(port)
    taskset = shutil.which("taskset")
    if taskset:
        command = [taskset, "-c", ",".join(map(str, cores)), *command]
    api_url = f"http://127.0.0.1:{port}/api"
    log_path = home / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, env=task_environment(database_url, home), stdout=log, stderr=log)
        if not taskset:
            # Right after the exec, before the server starts threads or processes (they inherit it).
            os.sched_setaffinity(server.pid, cores)
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"Prefect server exited early:\n{log_path.read_text()[-4000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Prefect server not healthy after {STARTUP_TIMEOUT_SECONDS}s")
                time.sleep(0.5)
            yield api_url, server.pid
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


# --- The load: a worker's and a flow run's requests ---------------------------------------------------------


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
        return str(reply["state"]["type"])


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


async def set_up(client: httpx.AsyncClient) -> Plan:
    """The flow, an ECS work pool with the platform's base job template, and a deployment on it."""
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
    body = {
        "name": DEPLOYMENT,
        "flow_id": flow["id"],
        "work_pool_name": POOL,
        "entrypoint": "flows/bench.py:bench",
        "parameters": {},
        "job_variables": {"cpu": 1024, "memory": 2048},
    }
    deployment = (await client.post("/deployments/", json=body)).raise_for_status().json()
    return Plan(str(deployment["id"]), str(flow["id"]))


async def _worker(client: httpx.AsyncClient, recorder: Recorder, until: float) -> None:
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


@dataclass
class Measurement:
    size: Size
    server_cores: list[int]
    generator_cores: list[int]
    concurrency: int
    window: float
    runs_per_minute: float
    completed: int
    state_calls: list[float]
    creates: list[float]
    requests: int
    outcomes: collections.Counter[str]
    #: Cores the server's process tree was allowed, read from /proc while it ran.
    server_allowed: set[int] = field(default_factory=set)
    #: Cores' worth of CPU the server's processes, and the generator, used in the window.
    server_load: float = 0.0
    generator_load: float = 0.0
    #: Flow runs PostgreSQL holds as COMPLETED at the end (warm-up and window and after).
    stored_completed: int = 0

    @property
    def shared(self) -> bool:
        return bool(set(self.server_cores) & set(self.generator_cores))


@dataclass
class Drive:
    recorder: Recorder
    start: float
    end: float
    #: CPU seconds used in the window by the server's processes and by this process (the generator).
    server_cpu: float
    generator_cpu: float


async def drive(api_url: str, server_pid: int, concurrency: int, warmup: float, seconds: float) -> Drive:
    """Run `concurrency` flow-run lanes for `warmup + seconds`; return the record of the measured window."""
    limits = httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency + 2)
    async with httpx.AsyncClient(base_url=api_url, headers=auth_headers(), limits=limits, timeout=120) as client:
        plan = await set_up(client)
        recorder = Recorder()
        start = time.monotonic() + warmup
        end = start + seconds

        async def lane() -> None:
            while time.monotonic() < end:
                try:
                    outcome = await flow_run_lifecycle(client, plan, recorder)
                except Aborted as exc:
                    outcome = f"aborted: {exc}"
                except httpx.HTTPStatusError as exc:
                    outcome = f"HTTP {exc.response.status_code} {exc.request.method} {exc.request.url.path}"
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                recorder.outcomes[outcome] += 1

        cpu: list[tuple[float, float]] = []

        async def sample() -> None:
            for at in (start, end):
                await asyncio.sleep(max(0.0, at - time.monotonic()))
                cpu.append((cpu_seconds(server_pid), time.process_time()))

        await asyncio.gather(sample(), _worker(client, recorder, end), *(lane() for _ in range(concurrency)))
        (server_before, generator_before), (server_after, generator_after) = cpu
        return Drive(recorder, start, end, server_after - server_before, generator_after - generator_before)


def measure(size: Size, work: Path, seconds: float, warmup: float, concurrency: int) -> Measurement:
    """One size: a fresh PostgreSQL and server, the load for `warmup + seconds`."""
    server_cores, generator_cores = split_cores(sorted(os.sched_getaffinity(0)), size.cores)
    home = work / f"{size.label}-home"
    home.mkdir(parents=True)
    # PostgreSQL (RDS's stand-in) and this process run on the generator's cores; the server on its own.
    with (
        pinned(generator_cores),
        postgres.running_postgres() as database,
        running_task_server(database, home, server_cores) as (api_url, pid),
    ):
        allowed = allowed_cores(pid)
        run = asyncio.run(drive(api_url, pid, concurrency, warmup, seconds))
        allowed |= allowed_cores(pid)
        stored = asyncio.run(completed_in_database(database))
    recorder, start, end = run.recorder, run.start, run.end
    window = end - start
    return Measurement(
        size=size,
        server_cores=server_cores,
        generator_cores=generator_cores,
        concurrency=concurrency,
        window=window,
        runs_per_minute=runs_per_minute(recorder.completions, start, end),
        completed=sum(start <= at < end for at in recorder.completions),
        state_calls=recorder.between(start, end, "state "),
        creates=recorder.between(start, end, "create flow run"),
        requests=len(recorder.between(start, end, "")),
        outcomes=recorder.outcomes,
        server_allowed=allowed,
        server_load=run.server_cpu / window,
        generator_load=run.generator_cpu / window,
        stored_completed=stored,
    )


async def completed_in_database(database_url: str) -> int:
    """Flow runs the server stored as COMPLETED: the lanes' count checked against PostgreSQL itself."""
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return int(await connection.fetchval("SELECT count(*) FROM flow_run WHERE state_type = 'COMPLETED'"))
    finally:
        await connection.close()


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value * 1000:.0f}"


def render(measurements: Sequence[Measurement], skipped: Sequence[Size] = ()) -> list[str]:
    """The report's section: one row per size, then how it was run."""
    lines = [
        "### Hosted server capacity: flow runs moved through their states",
        "",
        "| size | server on cores | generator and PostgreSQL on cores | runs in flight | flow runs / minute "
        "| flow runs / hour | completed in window | state call p50 / p95 ms | create flow run p50 / p95 ms "
        "| requests / s | server CPU (cores) | generator CPU (cores) | outcomes (all runs) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in measurements:
        generator = ",".join(map(str, m.generator_cores)) + (" (shared with the server)" if m.shared else "")
        outcomes = ", ".join(f"{name} {count}" for name, count in sorted(m.outcomes.items()))
        outcomes += f"; PostgreSQL holds {m.stored_completed} COMPLETED"
        lines.append(
            f"| {m.size.label}, cpu {m.size.cpu} ({m.size.cores} vCPU) | {','.join(map(str, m.server_cores))} "
            f"| {generator} | {m.concurrency} | {m.runs_per_minute:.0f} | {m.runs_per_minute * 60:.0f} "
            f"| {m.completed} in {m.window:.0f} s "
            f"| {_ms(percentile(m.state_calls, 50))} / {_ms(percentile(m.state_calls, 95))} "
            f"| {_ms(percentile(m.creates, 50))} / {_ms(percentile(m.creates, 95))} | {m.requests / m.window:.0f} "
            f"| {m.server_load:.2f} | {m.generator_load:.2f} | {outcomes} |"
        )
    lines += [
        "",
        "The server ran with the task's command and environment (`aws/server_container.py`), changed only to "
        "point at this machine: " + "; ".join(f"`{k}`: {why}" for k, why in LOCAL_OVERRIDES_WHY.items()) + "; "
        "the listen address 127.0.0.1 and a free port. The real task verifies TLS against RDS. Cores the "
        "server's processes were allowed, read from /proc: "
        + "; ".join(f"{m.size.label} {sorted(m.server_allowed)}" for m in measurements)
        + ".",
    ]
    if skipped:
        names = ", ".join(f"{s.label} ({s.cores} cores)" for s in skipped)
        lines += ["", f"Not measured, for want of cores on this machine: {names}."]
    return lines


def measure_all(
    work: Path, seconds: float, warmup: float, concurrency: int, sizes: Sequence[Size] = SIZES
) -> tuple[list[Measurement], list[Size]]:
    """Each size that fits this machine's cores, in turn; and the sizes that did not fit."""
    available = len(os.sched_getaffinity(0))
    fits = [size for size in sizes if size.cores <= available]
    measured = [measure(size, work, seconds, warmup, concurrency) for size in fits]
    return measured, [size for size in sizes if size not in fits]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the measured window")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of load before the window")
    parser.add_argument("--concurrency", type=int, default=16, help="flow runs in flight at once")
    parser.add_argument("--sizes", default=",".join(s.label for s in SIZES), help="which of: default, prod")
    args = parser.parse_args()
    if not postgres.available():
        sys.exit("needs PostgreSQL's initdb, pg_ctl and createdb: apt-get install -y postgresql")
    sizes = [s for s in SIZES if s.label in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-capacity-") as name:
        measurements, skipped = measure_all(Path(name), args.seconds, args.warmup, args.concurrency, sizes)
    print("\n".join(render(measurements, skipped)))


if __name__ == "__main__":
    main()
