"""The hosted Prefect server started as its ECS task starts it, on a given PostgreSQL, pinned to given cores.

The command and environment come from `aws/server_container.py` (the three secrets set to test values); only
what must point at this machine changes: `LOCAL_OVERRIDES_WHY`, the listen address and the port. Also the
helpers that pin processes to cores and read, from /proc, the cores and CPU time a process tree had.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import itertools
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from prefect_ecs_platform.aws.server_container import DATABASE_NAME, server_command, server_environment
from tests.support.prefect_server import free_port

#: Test values of the secrets ECS reads from Secrets Manager when the task starts.
AUTH_STRING = "bench:capacity-bench"
DATABASE_PASSWORD = "capacity-bench"

#: A first start migrates an empty database before the API answers; on one core that takes a while.
STARTUP_TIMEOUT_SECONDS = 300.0

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
