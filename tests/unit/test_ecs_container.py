"""The loopback stand-in for ECS (tests/support/ecs_container.py) builds the environment ECS would, or refuses.

The hosted server's test trusts it to turn a container definition into a process environment; these check it
does so from `environment` and `secrets` alone, resolves JSON keys of a stored login as ECS does, and fails
where a task would not start, without starting anything.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from prefect_ecs_platform.aws.server_container import ServerContainerSettings, server_container
from tests.support.ecs_container import (
    TaskCannotStart,
    container_environment,
    loopback_command,
    loopback_health_check,
    resolve_secret,
)

DATABASE_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0f1e2d3c-AbCdEf"
AUTH_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prefect-auth-string-GhIjKl"
LOGIN = json.dumps({"username": "prefect", "password": "p@ss:w0rd"})
STORED = {DATABASE_SECRET: LOGIN, AUTH_SECRET: "prefect:s3cret"}


def _definition() -> dict[str, Any]:
    return server_container(
        ServerContainerSettings(
            image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/flows:latest",
            database_host="prefect.cluster-abc.eu-west-1.rds.amazonaws.com",
            database_secret_arn=DATABASE_SECRET,
            auth_string_secret_arn=AUTH_SECRET,
            log_group_name="/prefect/server",
            region="eu-west-1",
        )
    )


def test_the_rds_login_comes_from_the_json_keys_of_its_secret_and_the_auth_string_whole() -> None:
    """`<arn>:username::` takes the key of the stored JSON document; a bare ARN takes the whole string."""
    environment = container_environment(_definition(), secret_values=STORED)
    assert environment["PREFECT_SERVER_DATABASE_USER"] == "prefect"
    assert environment["PREFECT_SERVER_DATABASE_PASSWORD"] == "p@ss:w0rd"
    assert environment["PREFECT_SERVER_API_AUTH_STRING"] == "prefect:s3cret"
    assert environment["PREFECT_SERVER_DATABASE_DRIVER"] == "postgresql+asyncpg"


def test_nothing_of_the_test_process_reaches_the_container(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the image's environment, the definition's and the overrides: an ambient setting cannot mask a gap."""
    monkeypatch.setenv("PREFECT_API_URL", "http://elsewhere/api")
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", "sqlite+aiosqlite:///ambient.db")
    definition = _definition()
    environment = container_environment(definition, secret_values=STORED, image_environment={"HOME": "/home/x"})
    named = {entry["name"] for entry in definition["environment"] + definition["secrets"]}
    assert set(environment) == named | {"HOME"}


def test_the_definition_overrides_the_image_and_the_test_overrides_only_what_the_definition_sets() -> None:
    """Image < definition < overrides, and an override of a variable the definition lacks is refused."""
    definition = _definition()
    environment = container_environment(
        definition,
        secret_values=STORED,
        image_environment={"PREFECT_SERVER_DATABASE_PORT": "1", "PATH": "/bin"},
        overrides={"PREFECT_SERVER_DATABASE_HOST": "127.0.0.1"},
    )
    assert environment["PREFECT_SERVER_DATABASE_PORT"] == "5432"
    assert environment["PREFECT_SERVER_DATABASE_HOST"] == "127.0.0.1"
    assert environment["PATH"] == "/bin"
    with pytest.raises(ValueError, match="PREFECT_SERVER_DATABASE_CONNECTION_URL"):
        container_environment(
            definition, secret_values=STORED, overrides={"PREFECT_SERVER_DATABASE_CONNECTION_URL": "sqlite://"}
        )


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ({AUTH_SECRET: "prefect:s3cret"}, "unable to retrieve secret"),
        ({**STORED, DATABASE_SECRET: "not json"}, "is not JSON"),
        ({**STORED, DATABASE_SECRET: json.dumps({"user": "prefect", "password": "x"})}, "no JSON key 'username'"),
        ({**STORED, DATABASE_SECRET: json.dumps(["prefect"])}, "no JSON key 'username'"),
    ],
    ids=["no-stored-value", "not-json", "key-missing", "not-an-object"],
)
def test_a_secret_ecs_cannot_read_stops_the_task_before_it_starts(stored: dict[str, str], message: str) -> None:
    """No process starts without the variable: the harness raises, as ECS stops the task."""
    with pytest.raises(TaskCannotStart, match=message):
        container_environment(_definition(), secret_values=stored)


def test_secret_references_the_harness_cannot_honour_are_refused() -> None:
    """A version stage or id (one version is stored) and a malformed reference are errors, not approximations."""
    with pytest.raises(ValueError, match="one version"):
        resolve_secret(f"{DATABASE_SECRET}:password:AWSPREVIOUS:", STORED)
    with pytest.raises(ValueError, match="json-key:version-stage:version-id"):
        resolve_secret(f"{DATABASE_SECRET}:password", STORED)


def test_an_ssm_parameter_is_looked_up_by_its_reference() -> None:
    """Anything but a Secrets Manager ARN names the stored value as it is written."""
    parameter = "arn:aws:ssm:eu-west-1:123456789012:parameter/prefect/auth"
    assert resolve_secret(parameter, {parameter: "v"}) == "v"


def test_a_variable_set_twice_is_refused() -> None:
    """Set as a plain variable and as a secret, or twice as a variable: which wins is not the harness's guess."""
    definition = _definition()
    plain = {"name": "PREFECT_SERVER_API_AUTH_STRING", "value": "x"}
    as_both = {**definition, "environment": [*definition["environment"], plain]}
    with pytest.raises(ValueError, match="both an environment variable and a secret"):
        container_environment(as_both, secret_values=STORED)
    first = definition["environment"][0]
    with pytest.raises(ValueError, match="set twice"):
        container_environment({**definition, "environment": [first, first]}, secret_values=STORED)


def test_unmodelled_settings_are_refused() -> None:
    """An environment file or a working directory would start the process differently on ECS."""
    with_file = {**_definition(), "environmentFiles": [{"value": "arn:aws:s3:::bucket/server.env", "type": "s3"}]}
    with pytest.raises(ValueError, match="environmentFiles"):
        container_environment(with_file, secret_values=STORED)


def test_the_command_is_repointed_at_a_loopback_port_only_where_it_names_the_container_port() -> None:
    """`--port 4200` becomes the test's port and `--host` loopback; nothing else of the command changes."""
    definition = _definition()
    assert loopback_command(definition, 50123) == [
        "prefect", "server", "start", "--host", "127.0.0.1", "--port", "50123"
    ]  # fmt: skip
    elsewhere = {**definition, "command": ["prefect", "server", "start", "--host", "0.0.0.0", "--port", "8080"]}
    with pytest.raises(ValueError, match="not the container port 4200"):
        loopback_command(elsewhere, 50123)
    with pytest.raises(ValueError, match="one --port"):
        loopback_command({**definition, "command": ["prefect", "server", "start", "--host", "0.0.0.0"]}, 50123)
    entry = {**definition, "entryPoint": ["tini", "--"]}
    assert loopback_command(entry, 50123)[:3] == ["tini", "--", "prefect"]


def test_the_health_check_is_repointed_at_the_loopback_port_and_must_name_the_container_port() -> None:
    """The exec-form check runs with its container port replaced; a shell form or a check elsewhere is refused."""
    definition = _definition()
    command = loopback_health_check(definition, 50123)
    assert command[:2] == ["python", "-c"]
    assert "127.0.0.1:50123/api/health" in command[2]
    assert ":4200/" not in command[2]
    shell = {**definition, "healthCheck": {"command": ["CMD-SHELL", "curl -f http://127.0.0.1:4200/api/health"]}}
    with pytest.raises(ValueError, match="only the exec form"):
        loopback_health_check(shell, 50123)
    elsewhere = {**definition, "healthCheck": {"command": ["CMD", "curl", "-f", "http://127.0.0.1:8080/api/health"]}}
    with pytest.raises(ValueError, match="names no :4200/"):
        loopback_health_check(elsewhere, 50123)
