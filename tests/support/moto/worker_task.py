"""A worker service's tasks in a test: the worker container's command and environment, as ECS starts them.

The environment is the registered container definition's, its secrets read from moto's Secrets Manager as ECS
resolves `valueFrom`; only what ECS itself adds (the region, the task role's credentials: moto's) and a test's
timing settings (heartbeat and poll every second, debug logs to count heartbeats by, a free health port) are not
from the definition. Like the ECS service, `WorkerTasks` can start a new task when the worker exits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from tests.support.prefect_server import free_port

#: The line prefect's service loop logs (at debug level) as each heartbeat, the worker's sync with the API, begins.
HEARTBEAT_STARTS = "Starting run of '_sync_and_initialize'"
HEARTBEATS_TIMEOUT_SECONDS = 90.0


def worker_environment(
    container: dict[str, Any], session: boto3.Session, moto_endpoint: str, home: Path, **repointed: str
) -> dict[str, str]:
    """The worker container's environment as ECS would start it (its secrets read from moto's Secrets Manager),
    `repointed` variables of it moved (a URL the test's server answers on), plus what only a test sets."""
    secrets = session.client("secretsmanager")
    environment = {v["name"]: v["value"] for v in container["environment"]}
    stray = sorted(set(repointed) - set(environment))
    if stray:
        raise ValueError(f"the worker's container sets none of {stray}")
    # ECS reads each `valueFrom` with the execution role when the task starts.
    environment |= {
        s["name"]: secrets.get_secret_value(SecretId=s["valueFrom"])["SecretString"] for s in container["secrets"]
    }
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "AWS_"))}
    return {
        **inherited,
        # The image's PATH: `prefect` is this interpreter's.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        # What Fargate gives every task: its region, and the task role's credentials (moto's).
        "AWS_REGION": str(session.region_name),
        "AWS_DEFAULT_REGION": str(session.region_name),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": moto_endpoint,
        **environment,
        **repointed,
        # This test's: a home of its own, heartbeats every second, logs that show them, a free health port.
        "PREFECT_HOME": str(home),
        "PREFECT_WORKER_HEARTBEAT_SECONDS": "1",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_LOGGING_LEVEL": "DEBUG",
        "PREFECT_WORKER_WEBSERVER_PORT": str(free_port()),
    }


@dataclass
class WorkerTasks:
    """The worker service's tasks: one worker process at a time, a new one whenever it exits (as ECS does)."""

    command: list[str]
    environment: dict[str, str]
    logs: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> None:
        log = (self.logs / f"task-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(self.command, env=self.environment, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.processes.append(process)

    def keep_running(self) -> None:
        if self.processes[-1].poll() is not None:
            self.start()

    def log_text(self) -> str:
        return "".join(path.read_text(errors="replace") for path in sorted(self.logs.glob("task-*.log")))

    def heartbeats(self) -> int:
        return self.log_text().count(HEARTBEAT_STARTS)

    def wait_for_heartbeats(self, count: int, *, restart: bool) -> None:
        """Wait until `count` more heartbeats began (across tasks); with `restart`, replace a task that exits."""
        goal = self.heartbeats() + count
        deadline = time.monotonic() + HEARTBEATS_TIMEOUT_SECONDS
        while self.heartbeats() < goal:
            if restart:
                self.keep_running()
            elif self.processes[-1].poll() is not None:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {count} heartbeats:\n{self.log_text()[-4000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
