"""The hosted Prefect server started as its ECS task starts it, on a given PostgreSQL, pinned to given cores.

The command, environment and secrets are those of the task definition the component registers (under mocks,
tests/support/server_process.py), started as tests/support/ecs_container.py starts a container: only the
database's address, its CA file, the UI's directory, the listen address and the port point at this machine. Also the
helpers that pin processes to cores and read, from /proc, the cores and CPU time a process tree had.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

from tests.support.ecs_container import container_environment, image_path, loopback_command, stop_container
from tests.support.postgres import Postgres
from tests.support.prefect_server import free_port
from tests.support.server_process import (
    UI_DIRECTORY_VARIABLE,
    basic_auth,
    registered_server,
    repointed,
    server_definition,
    stored_secrets,
)

#: A first start migrates an empty database before the API answers; on one core that takes a while.
STARTUP_TIMEOUT_SECONDS = 300.0


def task_environment(database: Postgres, home: Path) -> dict[str, str]:
    """The registered task's environment and secrets (as the stack stored them), the database repointed at the
    local one, TLS verified against its CA as the task verifies RDS's; PREFECT_HOME and the UI in `home`."""
    definition = server_definition()
    registered = registered_server()
    overrides = {**repointed(database), UI_DIRECTORY_VARIABLE: str(home / "ui")}
    image = {"PATH": image_path(), "HOME": str(home), "PREFECT_HOME": str(home)}
    return container_environment(
        definition,
        secret_values=stored_secrets(database, registered.auth_string),
        image_environment=image,
        overrides=overrides,
    )


def task_command(port: int) -> list[str]:
    """The registered task's command, on loopback at `port` (the task listens on 0.0.0.0 in its own network)."""
    return loopback_command(server_definition(), port)


def auth_headers() -> dict[str, str]:
    return basic_auth(registered_server().auth_string)


def split_cores(available: Sequence[int], server_cores: int) -> tuple[list[int], list[int]]:
    """The server's cores and the generator's: the rest, or all of them when the server takes them all."""
    cores = sorted(available)
    if server_cores > len(cores):
        raise ValueError(f"{server_cores} cores asked for, {len(cores)} available")
    server, rest = cores[:server_cores], cores[server_cores:]
    return server, rest or cores


PROC = Path("/proc")


def _stat_fields(process: Path) -> list[str]:
    """/proc/<pid>/stat's fields from the third (state) on: the command name may hold spaces and parentheses."""
    return (process / "stat").read_text().rsplit(")", 1)[1].split()


def _descendants(pid: int, proc: Path = PROC) -> list[int]:
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in proc.iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                children[int(_stat_fields(entry)[1])].append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int, proc: Path = PROC) -> float:
    """CPU time (user and system) used so far by `pid` and its descendants, the exited ones included.

    A live process's own time, plus the time of the children each has reaped (cutime, cstime): a backend or a
    service process that exits moves its time into its parent's, so the sum never goes backwards.
    """
    ticks = 0
    for process in _descendants(pid, proc):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = _stat_fields(proc / str(process))
            ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def postmaster_pid(port: int) -> int | None:
    """The PostgreSQL server listening on `port` (its `-p` argument), to count its and its backends' CPU."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                argv = (entry / "cmdline").read_bytes().split(b"\0")
                if argv[0].endswith(b"postgres") and any(
                    a == b"-p" and b == str(port).encode() for a, b in itertools.pairwise(argv)
                ):
                    return int(entry.name)
    return None


def core_ticks(cores: Sequence[int], stat: str | None = None) -> tuple[int, int]:
    """Busy and total clock ticks of `cores` so far, from /proc/stat (busy: all but idle and iowait)."""
    busy = total = 0
    wanted = {f"cpu{core}" for core in cores}
    for line in (stat if stat is not None else Path("/proc/stat").read_text()).splitlines():
        name, *values = line.split()
        if name in wanted:
            ticks = [int(v) for v in values]
            total += sum(ticks[:8])  # user nice system idle iowait irq softirq steal (guest is in user)
            busy += sum(ticks[:8]) - ticks[3] - ticks[4]
    return busy, total


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
def running_task_server(database: Postgres, home: Path, cores: Sequence[int]) -> Iterator[tuple[str, int]]:
    """The server as the task starts it, on `cores`; yield its API URL and pid once /api/health answers."""
    port = free_port()
    command = task_command(port)
    taskset = shutil.which("taskset")
    if taskset:
        command = [taskset, "-c", ",".join(map(str, cores)), *command]
    api_url = f"http://127.0.0.1:{port}/api"
    log_path = home / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, env=task_environment(database, home), stdout=log, stderr=log)
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
            stop_container(server, timeout=30)
