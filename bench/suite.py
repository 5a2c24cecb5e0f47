"""Every benchmark in one run, against servers it starts itself; prints one Markdown report.

Run from the project root with the test extras installed: `python -m bench [--count 100]`. The servers:
a local Prefect server on SQLite, and a local Prefect server on PostgreSQL (Debian's `postgresql`
package; those rows are left out when it is not installed) behind a proxy that adds 50 ms to every
request, standing for Prefect Cloud's round trip. Requests are counted by the proxy in front of each.
With PostgreSQL, the hosted server's capacity too (bench/server_capacity.py): the server started as its
ECS task starts it, pinned to the task's cores, moving flow runs through their states.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import prefect
import pulumi
import pulumi.dynamic

import prefect_ecs_platform.platform  # noqa: F401  # imported before timing: import time is its own row
from bench import server_capacity
from bench.methods import delete_all, prefect_deploy, prefect_deploy_cli, raw_posts
from prefect_ecs_platform.prefect_api.client import PARALLEL_WRITES_ENV_VAR
from prefect_ecs_platform.render.evaluate import evaluate
from prefect_ecs_platform.render.project_files import load_stack_files
from prefect_ecs_platform.resources.deployment import DeploymentProvider
from tests.support import postgres
from tests.support.engine import Engine
from tests.support.generated_project import ROOT, STACK, deployment, make_project, write_prefect_yaml
from tests.support.prefect_server import running_prefect_server
from tests.support.provider_host import running_provider_host
from tests.support.pulumi_mocks import RecordingMocks
from tests.support.wire_proxy import WireProxy, wire_proxy

PARALLEL = 8
CLOUD_LIKE_DELAY = 0.05
#: The hosted server's capacity: the measured window and the warm-up before it, per size.
CAPACITY_SECONDS = 60.0
CAPACITY_WARMUP_SECONDS = 10.0


@dataclass
class Row:
    server: str
    method: str
    concurrency: str
    seconds: float
    requests: int
    count: int

    def cells(self, floor: float | None) -> list[str]:
        ratio = f"{self.seconds / floor:.2f}x" if floor else ""
        return [
            self.server,
            self.method,
            self.concurrency,
            f"{self.seconds:.1f}",
            f"{self.seconds / self.count * 1000:.0f}",
            f"{self.requests / self.count:.2f}",
            ratio,
        ]


@dataclass
class Report:
    count: int
    rows: list[Row] = field(default_factory=list)
    operations: list[Row] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    #: Whole sections rendered after the tables: the hosted server's capacity.
    sections: list[list[str]] = field(default_factory=list)


def measured(proxy: WireProxy, action: Callable[[], Any]) -> tuple[float, int]:
    proxy.take()
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    return seconds, sum(proxy.take().values())


@contextlib.contextmanager
def _environment(name: str, value: str | None) -> Iterator[None]:
    saved = os.environ.get(name)
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


@dataclass(frozen=True)
class Server:
    label: str
    api_root: str
    #: Seconds the proxy adds to each request.
    delay: float
    #: Whether the provider may write in parallel (PostgreSQL); SQLite takes one write at a time.
    parallel_writes: bool


def run_server(report: Report, server: Server, work: Path) -> None:
    """All methods against one server, through one counting proxy."""
    count, label = report.count, server.label
    allowed = "true" if server.parallel_writes else None
    entries = [deployment(i) for i in range(count)]
    with wire_proxy(server.api_root, server.delay) as proxy, _environment(PARALLEL_WRITES_ENV_VAR, allowed):
        api_url = proxy.url + "/api"
        project = make_project(work / f"{label}-project", count, api_url)
        files = load_stack_files(project, STACK)

        def row(method: str, concurrency: str, seconds: float, requests: int, n: int = count) -> Row:
            return Row(label, method, concurrency, seconds, requests, n)

        with running_provider_host() as host:
            engine = Engine(host, PARALLEL)
            seconds, requests = measured(proxy, lambda: engine.up(files))
            report.rows.append(row("stack program (pulumi up)", f"--parallel {PARALLEL}", seconds, requests))
            deployments = [s for s in engine.prefect_objects() if s.type.endswith(":Deployment")]
            sizes = sorted(s.checkpoint_bytes() for s in deployments)
            report.notes.setdefault("state", f"{statistics.median(sizes):.0f} bytes per deployment (median of {count})")
            stack_inputs = [s.inputs for s in deployments]
            report.operations.append(row("no-op pulumi up", "", *measured(proxy, lambda: engine.up(files))))
            write_prefect_yaml(project, [deployment(0, hour=7), *entries[1:]])
            seconds, requests = measured(proxy, lambda: engine.up(files))
            report.operations.append(row("one schedule changed, pulumi up", "", seconds, requests, 1))
            write_prefect_yaml(project, entries)
            engine.up(files)
            report.operations.append(row(f"pulumi refresh ({count})", "", *measured(proxy, engine.refresh)))

        home = work / f"{label}-home"
        home.mkdir()
        pool = "ecs-bench"
        for threads in (1, PARALLEL) if server.parallel_writes else (1,):
            seconds, requests = measured(proxy, lambda n=threads: raw_posts(api_url, stack_inputs, "raw-", n))  # type: ignore[misc]
            concurrency = f"{threads} thread{'s' * (threads > 1)}"
            report.rows.append(row("raw POST /deployments/ (floor)", concurrency, seconds, requests))
            delete_all(api_url, "raw-")
        seconds, requests = measured(proxy, lambda: prefect_deploy(api_url, project, entries, pool, home))
        report.rows.append(row("prefect.deploy(...), build/push off", "sequential", seconds, requests))
        delete_all(api_url, "deploy-")
        seconds, requests = measured(proxy, lambda: prefect_deploy_cli(api_url, project, entries, pool, home))
        report.rows.append(row("prefect deploy --all", "sequential", seconds, requests))
        delete_all(api_url, "cli-")

        with running_provider_host() as host:
            engine_again = Engine(host, PARALLEL)
            engine_again.state = engine.state
            report.operations.append(row(f"pulumi destroy ({count})", "", *measured(proxy, engine_again.destroy)))

        sequential = make_project(work / f"{label}-sequential", count, api_url)
        with running_provider_host() as host:
            one = Engine(host, 1)
            sequential_files = load_stack_files(sequential, STACK)
            seconds, requests = measured(proxy, lambda: one.up(sequential_files))
            report.rows.append(row("stack program (pulumi up)", "--parallel 1", seconds, requests))
            one.destroy()


def evaluation_seconds(work: Path, count: int, runs: int = 3) -> tuple[float, float]:
    """Median wall time of the stack's program under mocks (package imported), and of the SDK's floor: a
    program of nothing but bare dynamic resources with the same deployments' inputs, under the same mocks."""
    project = make_project(work / f"evaluation-{count}", count, "http://127.0.0.1:9/api")
    files = load_stack_files(project, STACK)
    program, floor = [], []
    for _ in range(runs):
        mocks = RecordingMocks()
        start = time.perf_counter()
        evaluate(files, mocks)
        program.append(time.perf_counter() - start)
        inputs = [r.inputs for r in mocks.resources if r.typ.endswith(":Deployment")]
        start = time.perf_counter()
        _register_bare(inputs)
        floor.append(time.perf_counter() - start)
    return statistics.median(program), statistics.median(floor)


class _Bare(pulumi.dynamic.Resource, module="bench", name="Bare"):
    """A dynamic resource with no annotations, methods or checks of its own."""


def _register_bare(inputs: list[dict[str, Any]]) -> None:
    def program() -> None:
        for index, props in enumerate(inputs):
            _Bare(DeploymentProvider(), f"d{index}", {k: v for k, v in props.items() if k != "__provider"})

    pulumi.runtime.set_mocks(RecordingMocks(), project="prefect-ecs-platform", stack=STACK, preview=False)
    pulumi.runtime.test(program)()


def import_seconds(statement: str, runs: int = 5) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "components")}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


#: What each kind of process imports: a stack's program, Pulumi's provider host unpickling a Prefect
#: resource's provider, and Prefect alone for comparison.
IMPORTS = {
    "from prefect_ecs_platform import PrefectEcsPlatform (a stack's program)": (
        "from prefect_ecs_platform import PrefectEcsPlatform"
    ),
    "import prefect_ecs_platform.resources.deployment (the provider host, to unpickle a provider)": (
        "import prefect_ecs_platform.resources.deployment"
    ),
    "import prefect": "import prefect",
}


def aws_calls_checked() -> str:
    test = "tests/moto/test_stacks_task_definition.py::test_calls_per_run_are_the_ones_docs_performance_reports"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    outcome = (result.stdout.strip().splitlines() or ["no output"])[-1]
    return f"the table below, counted against moto by {test}: {outcome}"


def render(report: Report, started: str, elapsed: float) -> str:
    lines = [
        f"`python -m bench --count {report.count}`, run on {started} on this project's development machine "
        f"({os.cpu_count()} cores, Python {platform.python_version()}, prefect {prefect.__version__}), "
        f"took {elapsed / 60:.0f} minutes.",
        "",
        f"### Creating {report.count} deployments (a cron schedule, parameters and job variables each)",
        "",
        "| server | method | concurrency | wall s | ms / deployment | requests / deployment | vs floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for server in dict.fromkeys(r.server for r in report.rows):
        rows = [r for r in report.rows if r.server == server]
        floor = next(r.seconds for r in rows if r.method.startswith("raw") and r.concurrency == "1 thread")
        lines += ["| " + " | ".join(r.cells(floor)) + " |" for r in rows]
    lines += [
        "",
        "### Changes, refresh and teardown of the same stack",
        "",
        "| server | operation | wall s | requests |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r.server} | {r.method} | {r.seconds:.1f} | {r.requests} |" for r in report.operations]
    lines += ["", "### The program and the package", "", "| measure | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in report.notes.items()]
    for section in report.sections:
        lines += ["", *section]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args()
    report = Report(args.count)
    started, start = date.today().isoformat(), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-") as name:
        work = Path(name)
        (work / "evaluation").mkdir()
        evaluation_seconds(work / "evaluation", 10, runs=1)  # warm: the first run imports awsx's and aws's modules
        for count in (10, 100, 200, 1000):
            seconds, floor = evaluation_seconds(work / "evaluation", count)
            report.notes[f"program evaluation under mocks, {count} deployments (median of 3)"] = (
                f"{seconds:.2f} s ({seconds / count * 1000:.1f} ms per deployment); the SDK alone registering "
                f"{count} bare dynamic resources with the same inputs: {floor:.2f} s"
            )
        for label, statement in IMPORTS.items():
            report.notes[f"{label}, fresh process, median of 5"] = f"{import_seconds(statement):.2f} s"
        report.notes["AWS calls per flow run"] = aws_calls_checked()
        (work / "sqlite").mkdir()
        with running_prefect_server(work / "sqlite") as api_url:
            run_server(report, Server("local, SQLite", api_url.removesuffix("/api"), 0.0, False), work)
        if postgres.available():
            (work / "postgres").mkdir()
            with (
                postgres.running_postgres() as database,
                running_prefect_server(
                    work / "postgres", {"PREFECT_SERVER_DATABASE_CONNECTION_URL": database.url}
                ) as api_url,
            ):
                cloud_like = Server(
                    "PostgreSQL, +50 ms per request", api_url.removesuffix("/api"), CLOUD_LIKE_DELAY, True
                )
                run_server(report, cloud_like, work)
            # After the other servers have stopped: this one is pinned to the task's cores and wants them alone.
            capacity, skipped = server_capacity.measure_all(
                work / "capacity", CAPACITY_SECONDS, CAPACITY_WARMUP_SECONDS
            )
            report.sections.append(server_capacity.render(capacity, skipped))
    print(render(report, started, time.perf_counter() - start))


if __name__ == "__main__":
    main()
