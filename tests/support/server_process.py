"""The hosted Prefect server's container, started on loopback as ECS starts it, on the test PostgreSQL.

`server_definition()` is where the tests take the container definition from; the secrets it names are stood in
for by `stored_secrets`, and `repointed` is all a test changes of it (tests/support/ecs_container.py refuses
any other change).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import functools
import json
import ssl
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support.deployed_platform import deploy_platform
from tests.support.ecs_container import image_path, running_container
from tests.support.hosted_server import hosted_args
from tests.support.postgres import Postgres
from tests.support.prefect_server import free_port
from tests.support.pulumi_mocks import RecordingMocks, mocked_pulumi, unsecret

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"

READY_TIMEOUT_SECONDS = 90.0
UI_DIRECTORY_VARIABLE = "PREFECT_SERVER_UI_STATIC_DIRECTORY"


@dataclass(frozen=True)
class RegisteredServer:
    """What the component registers for its server under mocks: the container definition, and the auth string
    it stored in its secret (the value ECS would read)."""

    definition: dict[str, Any]
    auth_string: str

    def secret_arn(self, variable: str) -> str:
        """The secret a variable is read from, without an ECS JSON-key suffix."""
        value_from = next(s["valueFrom"] for s in self.definition["secrets"] if s["name"] == variable)
        return value_from.split(":username::")[0].split(":password::")[0]


@functools.cache
def registered_server() -> RegisteredServer:
    """The hosted server as the component registers it: its task definition's container and stored auth string."""
    with mocked_pulumi(RecordingMocks()) as harness:
        deploy_platform(harness, hosted_args())
        [definition] = json.loads(harness.named(TASK_DEFINITION, "data-server").inputs["containerDefinitions"])
        stored = harness.named(SECRET_VERSION, "data-prefect-auth-string").inputs["secretString"]
    return RegisteredServer(definition, str(unsecret(stored)))


def server_definition() -> dict[str, Any]:
    """The container definition under test: the one the component registers."""
    return copy.deepcopy(registered_server().definition)


@dataclass(frozen=True)
class HostedServer:
    api_url: str
    auth_string: str
    #: The server's PREFECT_HOME, where Prefect would put a SQLite database.
    home: Path
    log: Path
    #: Where the definition's UI directory is on this machine (see `hosted_server`).
    ui_directory: Path

    @property
    def headers(self) -> dict[str, str]:
        """What a client sends for the auth string: HTTP basic auth."""
        return basic_auth(self.auth_string)


def basic_auth(auth_string: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(auth_string.encode()).decode()}


def stored_secrets(database: Postgres, auth_string: str) -> dict[str, str]:
    """The secrets' values as Secrets Manager would hold them, under the ARNs the definition names: RDS's managed
    login is a JSON document, the auth string the text the stack stored."""
    login = json.dumps({"username": database.user, "password": database.password})
    registered = registered_server()
    return {
        registered.secret_arn("PREFECT_SERVER_DATABASE_USER"): login,
        registered.secret_arn("PREFECT_SERVER_API_AUTH_STRING"): auth_string,
    }


def repointed(database: Postgres) -> dict[str, str]:
    """What the test must change: RDS's address, and the CA bundle that lives in the image."""
    return {
        "PREFECT_SERVER_DATABASE_HOST": database.host,
        "PREFECT_SERVER_DATABASE_PORT": str(database.port),
        "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CA_FILE": str(database.ca_file),
    }


def wait_until_ready(process: subprocess.Popen[bytes], api_url: str, timeout: float) -> bool:
    """True once /api/ready answers 200 (it checks the database); False if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(httpx.HTTPError):
            # /api/ready needs no auth string, as ECS's and the load balancer's probes send none.
            if httpx.get(f"{api_url}/ready", timeout=2).status_code == 200:
                return True
        time.sleep(0.25)
    return False


@contextlib.contextmanager
def hosted_server(
    definition: Mapping[str, Any],
    secret_values: Mapping[str, str],
    overrides: Mapping[str, str],
    auth_string: str,
    work: Path,
    *,
    ready_timeout: float = READY_TIMEOUT_SECONDS,
) -> Iterator[HostedServer | None]:
    """The container running on a free loopback port with its own home; yields None if it never became ready.

    Its output is in `work / "server.log"`. The UI directory the definition names is in the container's own
    /tmp; here /tmp is shared by every server a test run starts at once (each copies the UI there on start), so
    it moves under `work`, the one repointing the harness adds to a test's.
    """
    home = work / "home"
    home.mkdir(parents=True)
    port = free_port()
    log = work / "server.log"
    ui_directory = work / "ui"
    overrides = {**overrides, UI_DIRECTORY_VARIABLE: str(ui_directory)}
    # What the image gives the process: Prefect on PATH and its user's home (Prefect's default PREFECT_HOME).
    image_environment = {"PATH": image_path(), "HOME": str(home), "PREFECT_HOME": str(home / ".prefect")}
    with running_container(
        definition,
        secret_values=secret_values,
        overrides=overrides,
        image_environment=image_environment,
        port=port,
        workdir=work,
        log_path=log,
    ) as process:
        api_url = f"http://127.0.0.1:{port}/api"
        ready = wait_until_ready(process, api_url, ready_timeout)
        yield HostedServer(api_url, auth_string, home, log, ui_directory) if ready else None


def query(database: Postgres, sql: str, *args: object) -> list[asyncpg.Record]:
    """Rows from the test cluster, over the same verified TLS the server must use."""

    async def fetch() -> list[asyncpg.Record]:
        tls = ssl.create_default_context(cafile=str(database.ca_file))
        connection = await asyncpg.connect(
            host=database.host,
            port=database.port,
            user=database.user,
            password=database.password,
            database=database.database,
            ssl=tls,
        )
        try:
            return list(await connection.fetch(sql, *args))
        finally:
            await connection.close()

    return asyncio.run(fetch())


@contextlib.contextmanager
def registered_server_running(database: Postgres, work: Path) -> Iterator[HostedServer]:
    """The server the component registers, its secrets as the stack stored them, on `database`; a server that
    never becomes ready fails the test with its log."""
    auth_string = registered_server().auth_string
    with hosted_server(
        server_definition(), stored_secrets(database, auth_string), repointed(database), auth_string, work
    ) as running:
        if running is None:
            pytest.fail(f"the server never became ready:\n{(work / 'server.log').read_text()[-6000:]}")
        yield running
