"""The hosted server's container definition, started as ECS starts it, against a real PostgreSQL over TLS.

The definition's command, environment and secrets run on loopback (tests/support/ecs_container.py) with the
database login and the auth string read from stand-ins for their Secrets Manager secrets; the test repoints only
the database's address and the CA bundle (the image's RDS bundle would not verify the test cluster) and the
port. So a misspelt or missing setting shows here: without the driver Prefect quietly keeps SQLite, without the
CA file asyncpg would not verify the server, without the auth string the API is open.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import secrets
import ssl
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from prefect_ecs_platform.aws.server_container import (
    UI_STATIC_DIRECTORY,
    ServerContainerSettings,
    server_container,
)
from tests.support import postgres as test_postgres
from tests.support.ecs_container import image_path, running_container
from tests.support.prefect_server import free_port

pytestmark = pytest.mark.server

DATABASE_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-5b0e8a8e-6f7d-AbCdEf"
AUTH_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prefect-server-auth-GhIjKl"
READY_TIMEOUT_SECONDS = 90.0


def server_definition() -> dict[str, Any]:
    """The container definition under test: the one place to take it from elsewhere (the registered task
    definition, under mocks) instead of building it here."""
    return server_container(
        ServerContainerSettings(
            image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/prefect-flows:latest",
            database_host="prefect-server.abcdefghijkl.eu-west-1.rds.amazonaws.com",
            database_secret_arn=DATABASE_SECRET_ARN,
            auth_string_secret_arn=AUTH_SECRET_ARN,
            log_group_name="/prefect-ecs-platform/server",
            region="eu-west-1",
        )
    )


@dataclass(frozen=True)
class Started:
    api_url: str
    auth_string: str
    #: The server's PREFECT_HOME, where Prefect would put a SQLite database.
    home: Path
    log: Path


@pytest.fixture(scope="module")
def database() -> Iterator[test_postgres.Postgres]:
    """One TLS PostgreSQL for the module's servers."""
    if not test_postgres.available():
        pytest.fail("PostgreSQL is not installed: `apt-get install postgresql` (scripts/test installs it)")
    with test_postgres.running_postgres() as running:
        yield running


def stored_secrets(database: test_postgres.Postgres, auth_string: str) -> dict[str, str]:
    """The secrets' values as Secrets Manager would hold them: RDS's managed login is a JSON document."""
    login = json.dumps({"username": database.user, "password": database.password})
    return {DATABASE_SECRET_ARN: login, AUTH_SECRET_ARN: auth_string}


def repointed(database: test_postgres.Postgres) -> dict[str, str]:
    """What the test must change: RDS's address, and the CA bundle that lives in the image."""
    return {
        "PREFECT_SERVER_DATABASE_HOST": database.host,
        "PREFECT_SERVER_DATABASE_PORT": str(database.port),
        "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CA_FILE": str(database.ca_file),
    }


def _basic(auth_string: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(auth_string.encode()).decode()}


def wait_until_ready(process: subprocess.Popen[bytes], api_url: str, log: Path, timeout: float) -> bool:
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
def started_server(
    definition: Mapping[str, Any],
    secret_values: Mapping[str, str],
    overrides: Mapping[str, str],
    auth_string: str,
    work: Path,
    *,
    ready_timeout: float = READY_TIMEOUT_SECONDS,
) -> Iterator[Started | None]:
    """The container running on a free loopback port; yields None if it never became ready."""
    home = work / "home"
    home.mkdir(parents=True)
    port = free_port()
    log = work / "server.log"
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
        ready = wait_until_ready(process, api_url, log, ready_timeout)
        yield Started(api_url, auth_string, home, log) if ready else None


@pytest.fixture(scope="module")
def server(database: test_postgres.Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """The definition as written, its secrets as stored, on the module's PostgreSQL."""
    auth_string = f"prefect:{secrets.token_urlsafe(24)}"
    work = tmp_path_factory.mktemp("hosted-server")
    started = time.monotonic()
    with started_server(
        server_definition(), stored_secrets(database, auth_string), repointed(database), auth_string, work
    ) as running:
        if running is None:
            pytest.fail(f"the server never became ready:\n{(work / 'server.log').read_text()[-6000:]}")
        print(f"hosted server ready in {time.monotonic() - started:.1f} s")
        yield running


def query(database: test_postgres.Postgres, sql: str, *args: object) -> list[asyncpg.Record]:
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


def assert_stored_in_postgres(started: Started, database: test_postgres.Postgres) -> None:
    """Prefect migrated the test cluster, the API writes there, and no SQLite database exists beside it."""
    tables = {
        row["tablename"] for row in query(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    }
    assert {"alembic_version", "flow", "flow_run", "deployment", "work_pool"} <= tables
    assert query(database, "SELECT version_num FROM alembic_version")
    name = f"proof-{uuid.uuid4().hex[:8]}"
    created = httpx.post(f"{started.api_url}/flows/", json={"name": name}, headers=_basic(started.auth_string))
    assert created.status_code == 201, created.text
    assert [row["id"] for row in query(database, "SELECT id FROM flow WHERE name = $1", name)] == [
        uuid.UUID(created.json()["id"])
    ]
    assert sorted(str(p.relative_to(started.home)) for p in started.home.rglob("*.db*")) == []


def test_prefect_runs_on_the_postgres_it_is_pointed_at(server: Started, database: test_postgres.Postgres) -> None:
    """Tables, written rows and no SQLite: the driver, host, login and TLS settings all took effect."""
    assert_stored_in_postgres(server, database)


def test_the_ui_is_served_from_the_directory_the_definition_names(server: Started) -> None:
    """GET / in a browser ends on Prefect's UI, copied into the writable directory the definition names,
    and the UI calls the API where it was loaded from."""
    root = server.api_url.removesuffix("/api")
    page = httpx.get(f"{root}/", headers={"Accept": "text/html"}, follow_redirects=True)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    served = {index.read_text() for index in Path(UI_STATIC_DIRECTORY).glob("*/index.html")}
    assert page.text in served
    assert "<title>Prefect" in page.text
    settings = httpx.get(f"{root}/ui-settings").json()
    assert settings["api_url"] == "/api"
    assert settings["auth"] == "BASIC"


def test_the_api_takes_only_requests_carrying_the_auth_string(server: Started) -> None:
    """Without the stored auth string, or with another, 401; with it, the request is served."""
    version = f"{server.api_url}/admin/version"
    assert httpx.get(version).status_code == 401
    assert httpx.get(version, headers=_basic("prefect:not-the-secret")).status_code == 401
    answer = httpx.get(version, headers=_basic(server.auth_string))
    assert answer.status_code == 200, answer.text


def _without(definition: Mapping[str, Any], name: str) -> dict[str, Any]:
    environment = [entry for entry in definition["environment"] if entry["name"] != name]
    assert len(environment) == len(definition["environment"]) - 1, name
    return {**definition, "environment": environment}


def test_a_wrong_database_password_keeps_the_server_from_becoming_ready(
    database: test_postgres.Postgres, tmp_path: Path
) -> None:
    """The stored login's password is what the server connects with: a wrong one is refused by PostgreSQL."""
    auth_string = "prefect:irrelevant"
    stored = stored_secrets(database, auth_string)
    stored[DATABASE_SECRET_ARN] = json.dumps({"username": database.user, "password": database.password + "x"})
    with started_server(
        server_definition(), stored, repointed(database), auth_string, tmp_path, ready_timeout=45
    ) as running:
        assert running is None
    assert "password authentication failed" in (tmp_path / "server.log").read_text()


def test_without_the_driver_setting_the_checks_see_sqlite(database: test_postgres.Postgres, tmp_path: Path) -> None:
    """Prefect quietly falls back to SQLite in PREFECT_HOME; the checks of the first test catch it."""
    auth_string = "prefect:irrelevant"
    definition = _without(server_definition(), "PREFECT_SERVER_DATABASE_DRIVER")
    with started_server(
        definition, stored_secrets(database, auth_string), repointed(database), auth_string, tmp_path
    ) as running:
        assert running is not None, (tmp_path / "server.log").read_text()[-4000:]
        with pytest.raises(AssertionError):
            assert_stored_in_postgres(running, database)
        assert list(running.home.rglob("*.db"))


def test_a_ca_that_did_not_sign_the_database_certificate_is_refused(
    database: test_postgres.Postgres, tmp_path: Path
) -> None:
    """The CA file setting is what verifies the server: against another CA of the same name the connection fails."""
    other_ca = test_postgres.unrelated_ca(tmp_path / "other-ca.pem")
    overrides = {**repointed(database), "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CA_FILE": str(other_ca)}
    auth_string = "prefect:irrelevant"
    with started_server(
        server_definition(), stored_secrets(database, auth_string), overrides, auth_string, tmp_path, ready_timeout=45
    ) as running:
        assert running is None
    assert "CERTIFICATE_VERIFY_FAILED" in (tmp_path / "server.log").read_text()
