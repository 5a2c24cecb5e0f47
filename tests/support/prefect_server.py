"""A real Prefect server on loopback (own PREFECT_HOME, SQLite), for the acceptance tests and the benchmarks."""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.support.ecs_container import stop_container

STARTUP_TIMEOUT_SECONDS = 120.0


def free_port() -> int:
    """A loopback TCP port nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
            # Background services only add SQLite write contention; nothing here runs flows.
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "false",
        }
    )
    return env


@contextlib.contextmanager
def running_prefect_server(
    home: Path, extra_env: dict[str, str] | None = None, *, port: int | None = None
) -> Iterator[str]:
    """Run `prefect server start` with its own PREFECT_HOME (SQLite) on a free loopback port (or `port`, which a
    test named to something before the server existed); yield its API URL."""
    port = port or free_port()
    log_path = home / "server.log"
    api_url = f"http://127.0.0.1:{port}/api"
    env = {**_server_env(home), **(extra_env or {})}
    auth = env.get("PREFECT_SERVER_API_AUTH_STRING")
    headers = {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"Prefect server exited early:\n{log_path.read_text()[-4000:]}")
                try:
                    if httpx.get(f"{api_url}/health", headers=headers, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Prefect server not healthy after {STARTUP_TIMEOUT_SECONDS}s")
                time.sleep(0.5)
            yield api_url
        finally:
            stop_container(server)
