"""A container definition started on loopback as ECS starts it: the same command, environment and secrets.

ECS gives the container the image's environment, then the definition's `environment`, then each of its
`secrets`, read from Secrets Manager (or SSM) when the task starts. A `valueFrom` naming a JSON key takes that
key of the stored JSON document, as ECS does for an RDS-managed login; a secret with no stored value stops the
task before the container runs, so it raises here rather than starting a process without the variable.

What the harness cannot reproduce it refuses rather than approximating: an environment file, a working
directory inside the image, a secret version, a variable set twice. The only changes a test may make are the
`overrides` of variables the definition already sets (the database's address, the CA bundle the image holds, a
path in the container's own /tmp) and the port, which the command names; so a setting the definition misspells
or lacks stays wrong here.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

#: Process-level settings of a container definition this harness does not model: a definition using one
#: would start differently on ECS than here.
UNMODELLED_KEYS = frozenset({"environmentFiles", "workingDirectory"})
LOOPBACK = "127.0.0.1"
#: Secrets Manager ARN fields: arn:partition:secretsmanager:region:account:secret:name-suffix.
_SECRET_ARN_FIELDS = 7
#: ...then json-key:version-stage:version-id, any of them empty.
_SECRET_REFERENCE_FIELDS = _SECRET_ARN_FIELDS + 3


class TaskCannotStart(RuntimeError):
    """What ECS reports as the task's stopped reason (ResourceInitializationError) before the container runs."""


def _secretsmanager_reference(value_from: str) -> tuple[str, str] | None:
    """(secret ARN, JSON key or "") for a Secrets Manager ARN, None for anything else (an SSM parameter)."""
    fields = value_from.split(":")
    if len(fields) < _SECRET_ARN_FIELDS or fields[0] != "arn" or fields[2] != "secretsmanager":
        return None
    if len(fields) == _SECRET_ARN_FIELDS:
        return value_from, ""
    if len(fields) != _SECRET_REFERENCE_FIELDS:
        raise ValueError(
            f"{value_from!r}: a Secrets Manager valueFrom is the secret's ARN, or the ARN followed by "
            "json-key:version-stage:version-id"
        )
    json_key, version_stage, version_id = fields[_SECRET_ARN_FIELDS:]
    if version_stage or version_id:
        raise ValueError(f"{value_from!r}: the harness stores one version of each secret; name no stage or id")
    return ":".join(fields[:_SECRET_ARN_FIELDS]), json_key


def resolve_secret(value_from: str, secret_values: Mapping[str, str]) -> str:
    """The string ECS puts in the variable for `value_from`; `secret_values` maps each secret's ARN to its value."""
    reference = _secretsmanager_reference(value_from)
    secret_id, json_key = reference if reference is not None else (value_from, "")
    if secret_id not in secret_values:
        raise TaskCannotStart(f"ResourceInitializationError: unable to retrieve secret {secret_id!r}: not found")
    stored = secret_values[secret_id]
    if not json_key:
        return stored
    try:
        document = json.loads(stored)
    except json.JSONDecodeError as error:
        raise TaskCannotStart(f"ResourceInitializationError: secret {secret_id!r} is not JSON: {error}") from None
    if not isinstance(document, dict) or json_key not in document:
        raise TaskCannotStart(f"ResourceInitializationError: secret {secret_id!r} has no JSON key {json_key!r}")
    value = document[json_key]
    if not isinstance(value, str):
        raise ValueError(f"secret {secret_id!r}: key {json_key!r} holds {type(value).__name__}, not a string")
    return value


def container_environment(
    definition: Mapping[str, Any],
    *,
    secret_values: Mapping[str, str],
    image_environment: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The container's process environment: the image's, the definition's `environment`, its `secrets`,
    then the test's `overrides`, each of which must repoint a variable the definition sets."""
    unmodelled = sorted(UNMODELLED_KEYS & set(definition))
    if unmodelled:
        raise ValueError(f"the harness does not model {unmodelled} of a container definition")
    named: dict[str, str] = {}
    for entry in definition.get("environment", []):
        if entry["name"] in named:
            raise ValueError(f"{entry['name']} is set twice in the definition's environment")
        named[entry["name"]] = entry["value"]
    for entry in definition.get("secrets", []):
        if entry["name"] in named:
            # Which one wins would depend on ECS's order of applying them, which the harness does not know.
            raise ValueError(f"{entry['name']} is both an environment variable and a secret")
        named[entry["name"]] = resolve_secret(entry["valueFrom"], secret_values)
    stray = sorted(set(overrides or {}) - set(named))
    if stray:
        raise ValueError(f"overrides may only repoint what the definition sets; it sets none of {stray}")
    return {**(image_environment or {}), **named, **(overrides or {})}


def loopback_command(definition: Mapping[str, Any], port: int) -> list[str]:
    """The definition's entry point and command, listening on `port` of loopback instead of the container's port.

    The port and host are rewritten in the command line because the CLI's `--port` and `--host` flags take
    precedence over any environment variable; only a command naming the definition's one container port can be
    repointed, so a command that listens elsewhere fails here rather than being fixed up.
    """
    command = [*definition.get("entryPoint", []), *definition["command"]]
    (mapping,) = definition["portMappings"]
    container_port = str(mapping["containerPort"])
    rewritten = list(command)
    for flag, expected, replacement in (("--port", container_port, str(port)), ("--host", None, LOOPBACK)):
        positions = [i for i, argument in enumerate(command) if argument == flag]
        if len(positions) != 1 or positions[0] + 1 >= len(command):
            raise ValueError(f"{command}: expected one {flag} with a value")
        if expected is not None and command[positions[0] + 1] != expected:
            raise ValueError(f"{command}: listens on {command[positions[0] + 1]}, not the container port {expected}")
        rewritten[positions[0] + 1] = replacement
    return rewritten


def loopback_health_check(definition: Mapping[str, Any], port: int) -> list[str]:
    """The definition's health check command (CMD form), its container port replaced by `port`.

    ECS runs the check inside the container's network namespace, where the server listens on the container
    port; here the server listens on `port`, so each `:<container port>/` in the command is rewritten, and a
    command naming the port nowhere is refused rather than run unchanged against whatever listens there.
    """
    kind, *command = definition["healthCheck"]["command"]
    if kind != "CMD":
        raise ValueError(f"{kind}: only the exec form (CMD) is run here, not a shell")
    (mapping,) = definition["portMappings"]
    needle = f":{mapping['containerPort']}/"
    if not any(needle in argument for argument in command):
        raise ValueError(f"{command}: names no {needle}")
    return [argument.replace(needle, f":{port}/") for argument in command]


def image_path() -> str:
    """PATH with this virtualenv's scripts first, as the image has Prefect's `prefect` on its PATH."""
    return ":".join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])


def start_container(
    definition: Mapping[str, Any],
    *,
    secret_values: Mapping[str, str],
    overrides: Mapping[str, str],
    image_environment: Mapping[str, str],
    port: int,
    workdir: Path,
    output: IO[bytes],
) -> subprocess.Popen[bytes]:
    """Start the container's process on loopback; raises TaskCannotStart where ECS would not start the task.

    Nothing of this process's own environment reaches the container: `image_environment` stands for what the
    image sets (PATH, HOME), so a developer's PREFECT_* settings cannot mask a setting the definition lacks.
    """
    environment = container_environment(
        definition, secret_values=secret_values, image_environment=image_environment, overrides=overrides
    )
    return subprocess.Popen(
        loopback_command(definition, port), env=environment, cwd=workdir, stdout=output, stderr=subprocess.STDOUT
    )


def stop_container(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Stop it as ECS stops a task: SIGTERM, then SIGKILL after the grace period."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_container(
    definition: Mapping[str, Any],
    *,
    secret_values: Mapping[str, str],
    overrides: Mapping[str, str],
    image_environment: Mapping[str, str],
    port: int,
    workdir: Path,
    log_path: Path,
) -> Iterator[subprocess.Popen[bytes]]:
    """start_container's process, its output in `log_path`, stopped on leaving."""
    with log_path.open("wb") as output:
        process = start_container(
            definition,
            secret_values=secret_values,
            overrides=overrides,
            image_environment=image_environment,
            port=port,
            workdir=workdir,
            output=output,
        )
        try:
            yield process
        finally:
            stop_container(process)
