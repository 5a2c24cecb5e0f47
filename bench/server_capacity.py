"""How many flow runs the hosted Prefect server moves through their states per minute, at a task's CPU.

`python -m bench.server_capacity --seconds 60` (or as part of `python -m bench`) starts the server as the
ECS task starts it: the command, environment and secrets of the task definition the component registers, on a
throwaway PostgreSQL with TLS (tests/support/task_server.py). Only what must point at this machine is changed:
the database's address and CA file, the UI's directory, the host and the port. The server's process is pinned
to as many cores as the task has vCPUs (`SIZES`); the load generator and PostgreSQL (RDS's stand-in) run on
the other cores, or share them when there are none.

The load (tests/support/flow_run_load.py): 10 deployments on an ECS work pool with the platform's base job
template, and `--concurrency` flow runs at a time, each created from the next deployment and moved as a worker
and a flow run move it (`flow_run_lifecycle`). Every state proposal honours the orchestration's answer, as
Prefect's `propose_state` does: WAIT sleeps and proposes again, REJECT takes the server's state, ABORT stops.
One simulated worker polls the pool and sends its heartbeat at Prefect's default intervals. After a warm-up,
completed flow runs are counted over a fixed window, with the latency of every state call.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from prefect_ecs_platform.inputs.server_args import PrefectServerArgs
from tests.support import postgres
from tests.support.flow_run_load import (
    Aborted,
    Recorder,
    flow_run_lifecycle,
    percentile,
    runs_per_minute,
    set_up,
    worker_traffic,
)
from tests.support.server_process import query
from tests.support.task_server import (
    allowed_cores,
    auth_headers,
    core_ticks,
    cpu_seconds,
    pinned,
    postmaster_pid,
    running_task_server,
    split_cores,
)


@dataclass(frozen=True)
class Size:
    label: str
    #: CPU units of the server's task; one core stands for each 1024 (one vCPU).
    cpu: int

    @property
    def cores(self) -> int:
        return self.cpu // 1024


#: Flow runs in flight at once, measured one after the other on the same server: in short trials 4 already
#: kept a one-core server's CPU busy; 16 shows what more runs in flight do to the rate and the latency.
CONCURRENCIES = (4, 16)

#: The stack's default server task (PrefectServerArgs.cpu) and the size prod runs (2 vCPU).
SIZES = (Size("default", PrefectServerArgs().cpu), Size("prod", 2048))


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
    database_load: float | None = None
    #: How busy the generator's and the server's cores were in the window, by anything (other users too): 0 to 1.
    generator_cores_busy: float = 0.0
    server_cores_busy: float = 0.0
    #: Flow runs PostgreSQL holds as COMPLETED at the end (warm-up and window and after).
    stored_completed: int = 0
    #: The server's log lines that report an error (ERROR, CRITICAL, a traceback's first line).
    server_log_errors: list[str] = field(default_factory=list)

    @property
    def shared(self) -> bool:
        return bool(set(self.server_cores) & set(self.generator_cores))


@dataclass
class Drive:
    recorder: Recorder
    start: float
    end: float
    #: CPU seconds used in the window by the server's processes, by this process (the generator) and by PostgreSQL.
    server_cpu: float
    generator_cpu: float
    database_cpu: float | None
    generator_cores_busy: float
    server_cores_busy: float


#: The longest the warm-up waits for every lane's first completed run before the window starts anyway.
MAX_EXTRA_WARMUP_SECONDS = 120.0


@dataclass(frozen=True)
class _Sample:
    server: float
    generator: float
    database: float | None
    ticks: tuple[int, int]
    server_ticks: tuple[int, int]


async def drive(
    api_url: str,
    server_pid: int,
    database_pid: int | None,
    cores: tuple[Sequence[int], Sequence[int]],
    concurrency: int,
    warmup: float,
    seconds: float,
) -> Drive:
    """Run `concurrency` flow-run lanes; measure `seconds` once `warmup` has passed and every lane completed a run.

    Waiting for as many completions as lanes keeps the window off the start, when no run has finished yet: at
    high concurrency one run takes longer than a short warm-up.
    """
    server_cores, generator_cores = cores
    limits = httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency + 2)
    async with httpx.AsyncClient(base_url=api_url, headers=auth_headers(), limits=limits, timeout=120) as client:
        plans = itertools.cycle(await set_up(client))  # each run the next deployment
        recorder = Recorder()
        window: list[float] = []  # [start, end] once known
        samples: list[_Sample] = []

        def sample() -> _Sample:
            database = cpu_seconds(database_pid) if database_pid else None
            return _Sample(
                cpu_seconds(server_pid),
                time.process_time(),
                database,
                core_ticks(generator_cores),
                core_ticks(server_cores),
            )

        async def clock() -> None:
            began = time.monotonic()
            await asyncio.sleep(warmup)
            while (
                len(recorder.completions) < concurrency and time.monotonic() - began < warmup + MAX_EXTRA_WARMUP_SECONDS
            ):
                await asyncio.sleep(0.1)
            samples.append(sample())
            window.append(time.monotonic())
            await asyncio.sleep(seconds)
            samples.append(sample())
            window.append(time.monotonic())

        async def lane() -> None:
            while len(window) < 2:
                try:
                    outcome = await flow_run_lifecycle(client, next(plans), recorder)
                except Aborted as exc:
                    outcome = f"aborted: {exc}"
                except httpx.HTTPStatusError as exc:
                    outcome = f"HTTP {exc.response.status_code} {exc.request.method} {exc.request.url.path}"
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                recorder.outcomes[outcome] += 1

        worker = asyncio.create_task(worker_traffic(client, recorder, float("inf")))
        try:
            await asyncio.gather(clock(), *(lane() for _ in range(concurrency)))
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        before, after = samples

        def busy(ticks_before: tuple[int, int], ticks_after: tuple[int, int]) -> float:
            total = ticks_after[1] - ticks_before[1]
            return (ticks_after[0] - ticks_before[0]) / total if total else 0.0

        database = (
            after.database - before.database if after.database is not None and before.database is not None else None
        )
        return Drive(
            recorder,
            window[0],
            window[1],
            after.server - before.server,
            after.generator - before.generator,
            database,
            busy(before.ticks, after.ticks),
            busy(before.server_ticks, after.server_ticks),
        )


def measure(size: Size, work: Path, seconds: float, warmup: float, concurrencies: Sequence[int]) -> list[Measurement]:
    """One size: a fresh PostgreSQL and server, then the load for `warmup + seconds` at each concurrency."""
    server_cores, generator_cores = split_cores(sorted(os.sched_getaffinity(0)), size.cores)
    home = work / f"{size.label}-home"
    home.mkdir(parents=True)
    runs: list[tuple[int, Drive, int]] = []
    # PostgreSQL (RDS's stand-in) and this process run on the generator's cores; the server on its own.
    with (
        pinned(generator_cores),
        postgres.running_postgres() as database,
        running_task_server(database, home, server_cores) as (api_url, pid),
    ):
        allowed = allowed_cores(pid)
        database_pid = postmaster_pid(database.port)
        for concurrency in concurrencies:
            before = completed_in_database(database)
            run = asyncio.run(
                drive(api_url, pid, database_pid, (server_cores, generator_cores), concurrency, warmup, seconds)
            )
            runs.append((concurrency, run, completed_in_database(database) - before))
            allowed |= allowed_cores(pid)
    log = (home / "server.log").read_text(errors="replace").splitlines()
    errors = [line for line in log if any(word in line for word in ("ERROR", "CRITICAL", "Traceback"))]
    return [
        _measurement(size, (server_cores, generator_cores), concurrency, run, stored, allowed, errors)
        for concurrency, run, stored in runs
    ]


def _measurement(
    size: Size,
    cores: tuple[list[int], list[int]],
    concurrency: int,
    run: Drive,
    stored: int,
    allowed: set[int],
    errors: list[str],
) -> Measurement:
    recorder, start, end = run.recorder, run.start, run.end
    window = end - start
    return Measurement(
        size=size,
        server_cores=cores[0],
        generator_cores=cores[1],
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
        database_load=None if run.database_cpu is None else run.database_cpu / window,
        generator_cores_busy=run.generator_cores_busy,
        server_cores_busy=run.server_cores_busy,
        stored_completed=stored,
        server_log_errors=errors,
    )


def completed_in_database(database: postgres.Postgres) -> int:
    """Flow runs the server stored as COMPLETED: the lanes' count checked against PostgreSQL itself."""
    [row] = query(database, "SELECT count(*) AS completed FROM flow_run WHERE state_type = 'COMPLETED'")
    return int(row["completed"])


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value * 1000:.0f}"


def render(measurements: Sequence[Measurement], skipped: Sequence[Size] = ()) -> list[str]:
    """The report's section: one row per size, then how it was run."""
    header = [
        "size",
        "server on cores",
        "generator and PostgreSQL on cores",
        "runs in flight",
        "flow runs / minute",
        "flow runs / hour",
        "completed in window",
        "state call p50 / p95 ms",
        "create flow run p50 / p95 ms",
        "requests / s",
        "CPU (cores): server, generator, PostgreSQL",
        "cores busy: server's, generator's",
        "outcomes (all runs)",
    ]
    lines = [
        "### Hosted server capacity: flow runs moved through their states",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for m in measurements:
        database = "?" if m.database_load is None else f"{m.database_load:.2f}"
        outcomes = ", ".join(f"{name} {count}" for name, count in sorted(m.outcomes.items()))
        outcomes += f"; PostgreSQL gained {m.stored_completed} COMPLETED; {len(m.server_log_errors)} server log errors"
        cells = [
            f"{m.size.label}, cpu {m.size.cpu} ({m.size.cores} vCPU)",
            ",".join(map(str, m.server_cores)),
            ",".join(map(str, m.generator_cores)) + (" (shared with the server)" if m.shared else ""),
            str(m.concurrency),
            f"{m.runs_per_minute:.0f}",
            f"{m.runs_per_minute * 60:.0f}",
            f"{m.completed} in {m.window:.0f} s",
            f"{_ms(percentile(m.state_calls, 50))} / {_ms(percentile(m.state_calls, 95))}",
            f"{_ms(percentile(m.creates, 50))} / {_ms(percentile(m.creates, 95))}",
            f"{m.requests / m.window:.0f}",
            f"{m.server_load:.2f}, {m.generator_load:.2f}, {database}",
            f"{m.server_cores_busy:.0%}, {m.generator_cores_busy:.0%}",
            outcomes,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "The server ran with the command, environment and secrets of the task definition the component registers, "
        "changed only to point at this machine: the database's address and CA file (TLS verified, as the task "
        "verifies RDS), the UI's directory, the listen address 127.0.0.1 and a free port. Cores the "
        "server's processes were allowed, read from /proc: "
        + "; ".join(dict.fromkeys(f"{m.size.label} {sorted(m.server_allowed)}" for m in measurements))
        + ".",
    ]
    for m in measurements:
        if m.server_log_errors:
            first = m.server_log_errors[0].strip()
            lines += ["", f"The server's first error at the {m.size.label} size, {m.concurrency} in flight: `{first}`"]
    if skipped:
        names = ", ".join(f"{s.label} ({s.cores} cores)" for s in skipped)
        lines += ["", f"Not measured, for want of cores on this machine: {names}."]
    return lines


def measure_all(
    work: Path,
    seconds: float,
    warmup: float,
    concurrencies: Sequence[int] = CONCURRENCIES,
    sizes: Sequence[Size] = SIZES,
) -> tuple[list[Measurement], list[Size]]:
    """Each size that fits this machine's cores, in turn; and the sizes that did not fit."""
    available = len(os.sched_getaffinity(0))
    fits = [size for size in sizes if size.cores <= available]
    measured = [m for size in fits for m in measure(size, work, seconds, warmup, concurrencies)]
    return measured, [size for size in sizes if size not in fits]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the measured window")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of load before the window")
    parser.add_argument(
        "--concurrency",
        default=",".join(map(str, CONCURRENCIES)),
        help="flow runs in flight at once; several, comma-separated, are measured one after another on one server",
    )
    parser.add_argument("--sizes", default=",".join(s.label for s in SIZES), help="which of: default, prod")
    args = parser.parse_args()
    if not postgres.available():
        sys.exit("needs PostgreSQL's initdb, pg_ctl and createdb: apt-get install -y postgresql")
    sizes = [s for s in SIZES if s.label in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-capacity-") as name:
        concurrencies = [int(n) for n in args.concurrency.split(",")]
        measurements, skipped = measure_all(Path(name), args.seconds, args.warmup, concurrencies, sizes)
    print("\n".join(render(measurements, skipped)))


if __name__ == "__main__":
    main()
