"""The hosted server's container definition, started as ECS starts it, against a real PostgreSQL over TLS.

The definition's command, environment and secrets run on loopback (tests/support/ecs_container.py) with the
database login and the auth string read from stand-ins for their Secrets Manager secrets; the test repoints only
the database's address, the CA bundle (the image's RDS bundle would not verify the test cluster), the UI's
directory (off the machine's shared /tmp) and the port. So a misspelt or missing setting shows here: without the
driver Prefect quietly keeps SQLite, without the CA file asyncpg would not verify the server, without the auth
string the API is open.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from prefect_ecs_platform.aws.server_container import UI_STATIC_DIRECTORY
from tests.support import postgres as test_postgres
from tests.support.deployed_platform import deploy_platform
from tests.support.ecs_container import image_path, loopback_health_check
from tests.support.hosted_server import hosted_args
from tests.support.pulumi_mocks import RecordingMocks, mocked_pulumi
from tests.support.server_process import (
    UI_DIRECTORY_VARIABLE,
    HostedServer,
    basic_auth,
    hosted_server,
    query,
    registered_server,
    registered_server_running,
    repointed,
    server_definition,
    stored_secrets,
)

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(database: test_postgres.Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostedServer]:
    """The definition the component registers, its secrets as the stack stored them, on the module's PostgreSQL."""
    with registered_server_running(database, tmp_path_factory.mktemp("hosted-server")) as running:
        yield running


def assert_stored_in_postgres(started: HostedServer, database: test_postgres.Postgres) -> None:
    """Prefect migrated the test cluster, the API writes there, and no SQLite database exists beside it."""
    tables = {
        row["tablename"] for row in query(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    }
    assert {"alembic_version", "flow", "flow_run", "deployment", "work_pool"} <= tables
    assert query(database, "SELECT version_num FROM alembic_version")
    name = f"proof-{uuid.uuid4().hex[:8]}"
    created = httpx.post(f"{started.api_url}/flows/", json={"name": name}, headers=started.headers)
    assert created.status_code == 201, created.text
    assert [row["id"] for row in query(database, "SELECT id FROM flow WHERE name = $1", name)] == [
        uuid.UUID(created.json()["id"])
    ]
    assert sorted(str(p.relative_to(started.home)) for p in started.home.rglob("*.db*")) == []


def test_prefect_runs_on_the_postgres_it_is_pointed_at(server: HostedServer, database: test_postgres.Postgres) -> None:
    """Tables, written rows and no SQLite: the driver, host, login and TLS settings all took effect."""
    assert_stored_in_postgres(server, database)


def test_the_ui_is_served_from_the_directory_the_definition_names(server: HostedServer) -> None:
    """GET / in a browser ends on Prefect's UI, copied into the directory the definition names (moved off the
    shared /tmp, see hosted_server), and the UI calls the API where it was loaded from."""
    variables = {entry["name"]: entry["value"] for entry in server_definition()["environment"]}
    assert variables[UI_DIRECTORY_VARIABLE] == UI_STATIC_DIRECTORY
    root = server.api_url.removesuffix("/api")
    page = httpx.get(f"{root}/", headers={"Accept": "text/html"}, follow_redirects=True)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    copied = {index.read_text() for index in server.ui_directory.glob("*/index.html")}
    assert page.text in copied
    assert "<title>Prefect" in page.text
    settings = httpx.get(f"{root}/ui-settings").json()
    # The UI calls the API at the public endpoint the definition names.
    assert settings["api_url"] == variables["PREFECT_SERVER_UI_API_URL"]
    assert settings["api_url"].startswith("https://")
    assert settings["auth"] == "BASIC"


def test_the_load_balancers_readiness_check_passes_without_the_auth_string(server: HostedServer) -> None:
    """The target group asks the path the component registered, sending no credentials, and expects 200."""
    with mocked_pulumi(RecordingMocks()) as harness:
        deploy_platform(harness, hosted_args())
        check = harness.one("aws:lb/targetGroup:TargetGroup").inputs["healthCheck"]
    root = server.api_url.removesuffix("/api")
    answer = httpx.get(f"{root}{check['path']}")
    assert str(answer.status_code) == check["matcher"], answer.text


def test_the_api_takes_only_requests_carrying_the_auth_string(server: HostedServer) -> None:
    """Without the stored auth string, or with another, 401; with it, the request is served."""
    version = f"{server.api_url}/admin/version"
    assert httpx.get(version).status_code == 401
    assert httpx.get(version, headers=basic_auth("prefect:not-the-secret")).status_code == 401
    answer = httpx.get(version, headers=basic_auth(server.auth_string))
    assert answer.status_code == 200, answer.text


def test_the_health_check_ecs_runs_passes_without_the_auth_string(server: HostedServer, tmp_path: Path) -> None:
    """The definition's health check, run as ECS runs it (the image's python, no credentials), succeeds on the
    ready server: a check that needed the auth string would have ECS replace every task it starts."""
    port = httpx.URL(server.api_url).port
    assert port is not None
    check = subprocess.run(
        loopback_health_check(server_definition(), port),
        env={"PATH": image_path(), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert check.returncode == 0, check.stderr


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
    stored[registered_server().secret_arn("PREFECT_SERVER_DATABASE_USER")] = json.dumps(
        {"username": database.user, "password": database.password + "x"}
    )
    with hosted_server(
        server_definition(), stored, repointed(database), auth_string, tmp_path, ready_timeout=45
    ) as running:
        assert running is None
    assert "password authentication failed" in (tmp_path / "server.log").read_text()


def test_without_the_driver_setting_the_checks_see_sqlite(database: test_postgres.Postgres, tmp_path: Path) -> None:
    """Prefect quietly falls back to SQLite in PREFECT_HOME; the checks of the first test catch it."""
    auth_string = "prefect:irrelevant"
    definition = _without(server_definition(), "PREFECT_SERVER_DATABASE_DRIVER")
    with hosted_server(
        definition, stored_secrets(database, auth_string), repointed(database), auth_string, tmp_path
    ) as running:
        assert running is not None, (tmp_path / "server.log").read_text()[-4000:]
        with pytest.raises(AssertionError):
            assert_stored_in_postgres(running, database)
        assert list(running.home.rglob("*.db"))


def _ready_against_another_ca(definition: Mapping[str, Any], database: test_postgres.Postgres, work: Path) -> bool:
    """Whether the server becomes ready with its CA file repointed at a CA that did not sign the database's."""
    other_ca = test_postgres.unrelated_ca(work / "other-ca.pem")
    overrides = {**repointed(database), "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CA_FILE": str(other_ca)}
    auth_string = "prefect:irrelevant"
    stored = stored_secrets(database, auth_string)
    with hosted_server(definition, stored, overrides, auth_string, work, ready_timeout=45) as running:
        return running is not None


def test_a_ca_that_did_not_sign_the_database_certificate_is_refused(
    database: test_postgres.Postgres, tmp_path: Path
) -> None:
    """The CA file setting is what verifies the server: against another CA of the same name the connection fails."""
    assert not _ready_against_another_ca(server_definition(), database, tmp_path)
    assert "CERTIFICATE_VERIFY_FAILED" in (tmp_path / "server.log").read_text()


def test_without_the_tls_setting_the_other_ca_goes_unnoticed(database: test_postgres.Postgres, tmp_path: Path) -> None:
    """Without TLS_ENABLED asyncpg still encrypts (its default prefers TLS) but verifies nothing, so only the
    check above, not a connection's success, shows the setting is missing."""
    definition = _without(server_definition(), "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED")
    assert _ready_against_another_ca(definition, database, tmp_path), (tmp_path / "server.log").read_text()[-4000:]
