"""Checks on `DeploymentArgs` that run before any resource is created.

Schedules are checked with Prefect's own schedule models and parameters with the JSON-schema validator the
Prefect server applies, so what passes here is what the server accepts.
"""

from __future__ import annotations

import datetime
import functools
import json
import math
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import pydantic
from jsonschema.exceptions import ValidationError as SchemaError
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule
from prefect.types.names import BANNED_CHARACTERS
from prefect.utilities.collections import remove_nested_keys
from prefect.utilities.schema_tools.validation import preprocess_schema
from prefect.utilities.schema_tools.validation import validate as validate_against_schema
from pydantic_core import to_jsonable_python

from prefect_ecs_platform.inputs.deployment_args import UI_OWNABLE, DeploymentArgs, ScheduleArgs
from prefect_ecs_platform.inputs.fargate import fargate_size_problems
from prefect_ecs_platform.inputs.flow_source import EntrypointError, FlowSource, read_flow_source
from prefect_ecs_platform.inputs.job_variables import PLATFORM_JOB_VARIABLES, job_variable_value_problem
from prefect_ecs_platform.inputs.problems import Problem
from prefect_ecs_platform.inputs.timezones import zones_listed_once

_SCHEDULE_KINDS = ("cron", "interval", "rrule")
_ALLOWED_BY_SCHEDULE_FIELD = {
    "cron": "a cron expression Prefect accepts, e.g. '0 6 * * *' (no random R or hashed H fields)",
    "interval": "a positive number of seconds",
    "rrule": "an iCalendar RRULE Prefect accepts, e.g. 'FREQ=DAILY;BYHOUR=6'",
    "timezone": "an IANA time zone name, e.g. 'UTC' or 'Europe/Berlin'",
}


def deployment_problems(
    deployments: Sequence[DeploymentArgs],
    *,
    project_root: Path,
    template_variables: Collection[str],
    platform_variables: Mapping[str, str] = PLATFORM_JOB_VARIABLES,
) -> list[Problem]:
    """Everything wrong with `deployments`, checked against the flows' source and the pool's template variables.

    `project_root` is the directory entrypoints are relative to; `template_variables` are the names under the
    work pool's `base_job_template["variables"]["properties"]`; `platform_variables` those the platform sets itself.
    """
    problems = _unique_name_problems(deployments)
    with zones_listed_once():
        for index, deployment in enumerate(deployments):
            prefix = f"deployments[{index}]"
            problems += _field_problems(deployment, prefix)
            problems += _size_problems(deployment, prefix)
            problems += _job_variable_problems(deployment, prefix, template_variables, platform_variables)
            problems += _schedule_problems(deployment, prefix)
            problems += _flow_problems(deployment, prefix, project_root)
    return problems


def _unique_name_problems(deployments: Sequence[DeploymentArgs]) -> list[Problem]:
    first_index: dict[str, int] = {}
    problems = []
    for index, deployment in enumerate(deployments):
        if deployment.name in first_index:
            problems.append(
                Problem(
                    f"deployments[{index}].name",
                    deployment.name,
                    f"a name no other deployment uses; deployments[{first_index[deployment.name]}] has it",
                )
            )
        else:
            first_index[deployment.name] = index
    return problems


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _field_problems(deployment: DeploymentArgs, prefix: str) -> list[Problem]:
    problems = []
    name = deployment.name
    if not isinstance(name, str) or not name.strip() or any(c in name for c in BANNED_CHARACTERS):
        banned = " ".join(BANNED_CHARACTERS)
        problems.append(Problem(f"{prefix}.name", name, f"a non-empty name without any of {banned}"))
    if not isinstance(deployment.tags, Sequence) or isinstance(deployment.tags, str):
        problems.append(Problem(f"{prefix}.tags", deployment.tags, "a list of strings"))
    else:
        problems += [
            Problem(f"{prefix}.tags[{i}]", tag, "a string")
            for i, tag in enumerate(deployment.tags)
            if not isinstance(tag, str)
        ]
    for field in ("paused", "enforce_parameter_schema"):
        if not isinstance(getattr(deployment, field), bool):
            problems.append(Problem(f"{prefix}.{field}", getattr(deployment, field), "true or false"))
    for field in ("description", "work_queue_name", "version"):
        value = getattr(deployment, field)
        if value is not None and not isinstance(value, str):
            problems.append(Problem(f"{prefix}.{field}", value, "a string, or null"))
    limit = deployment.concurrency_limit
    if limit is not None and not (_is_int(limit) and limit > 0):
        problems.append(Problem(f"{prefix}.concurrency_limit", limit, "a positive integer, or null for no limit"))
    for field in ("parameters", "job_variables"):
        if not isinstance(getattr(deployment, field), Mapping):
            problems.append(Problem(f"{prefix}.{field}", getattr(deployment, field), "a mapping of names to values"))
    return problems + ui_owned_problems(deployment.ui_owned, f"{prefix}.ui_owned")


def ui_owned_problems(value: object, field: str) -> list[Problem]:
    """`ui_owned` is a list of the fields the UI may own."""
    allowed = f"a list of any of: {', '.join(UI_OWNABLE)}"
    if not isinstance(value, Sequence) or isinstance(value, str):
        return [Problem(field, value, allowed)]
    return [Problem(f"{field}[{i}]", item, allowed) for i, item in enumerate(value) if item not in UI_OWNABLE]


def _size_problems(deployment: DeploymentArgs, prefix: str) -> list[Problem]:
    cpu, memory = deployment.cpu, deployment.memory
    if cpu is None and memory is None:
        return []
    if cpu is None or memory is None:
        missing = "cpu" if cpu is None else "memory"
        return [
            Problem(
                f"{prefix}.{missing}", None, "cpu and memory set together, or neither to use the work pool's defaults"
            )
        ]
    return fargate_size_problems(cpu, memory, field_prefix=f"{prefix}.")


def _job_variable_problems(
    deployment: DeploymentArgs,
    prefix: str,
    template_variables: Collection[str],
    platform_variables: Mapping[str, str],
) -> list[Problem]:
    if not isinstance(deployment.job_variables, Mapping):
        return []
    problems = []
    declared = ", ".join(sorted(set(template_variables) - set(platform_variables)))
    for key, value in deployment.job_variables.items():
        if key in platform_variables:
            problems.append(Problem(f"{prefix}.job_variables.{key}", value, platform_variables[key]))
        elif key not in template_variables:
            problems.append(
                Problem(f"{prefix}.job_variables", key, f"variables the work pool's job template declares: {declared}")
            )
        elif (expected := job_variable_value_problem(key, value)) is not None:
            problems.append(Problem(f"{prefix}.job_variables.{key}", value, expected))
    return problems


# A value of each kind Prefect accepts, to check a time zone on its own.
_KNOWN_GOOD = {"cron": "0 0 * * *", "interval": 60, "rrule": "FREQ=DAILY"}


def _build_prefect_schedule(kind: str, value: Any, timezone: str | None) -> None:
    # A time zone is passed only when there is one, so Prefect's time-zone check runs only where it can fail.
    zone: dict[str, Any] = {} if timezone is None else {"timezone": timezone}
    if kind == "cron":
        CronSchedule.model_validate({"cron": value, **zone})
    elif kind == "interval":
        IntervalSchedule.model_validate({"interval": datetime.timedelta(seconds=value), **zone})
    else:
        RRuleSchedule.model_validate({"rrule": value, **zone})


def _accepted_by_prefect(kind: str, value: Any, timezone: Any = None) -> bool:
    """Whether Prefect's schedule model takes `value` with `timezone`."""
    try:
        _build_prefect_schedule(kind, value, timezone)
    except pydantic.ValidationError:
        return False
    return True


def _prefect_schedule_problems(schedule: ScheduleArgs, field: str, kind: str) -> list[Problem]:
    """Build the Prefect schedule models the server builds; the value and the time zone are checked apart."""
    problems = []
    value = getattr(schedule, kind)
    if kind == "interval" and (
        not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value <= 0
    ):
        # timedelta would accept some of these (bools, huge floats) or fail with an unrelated message.
        problems.append(Problem(f"{field}.interval", value, _ALLOWED_BY_SCHEDULE_FIELD["interval"]))
    elif not _accepted_by_prefect(kind, value):
        problems.append(Problem(f"{field}.{kind}", value, _ALLOWED_BY_SCHEDULE_FIELD[kind]))
    if schedule.timezone is not None and not _accepted_by_prefect(kind, _KNOWN_GOOD[kind], schedule.timezone):
        problems.append(Problem(f"{field}.timezone", schedule.timezone, _ALLOWED_BY_SCHEDULE_FIELD["timezone"]))
    return problems


def _schedule_problems(deployment: DeploymentArgs, prefix: str) -> list[Problem]:
    problems = []
    slug_positions: dict[str, int] = {}
    for position, schedule in enumerate(deployment.schedules):
        field = f"{prefix}.schedules[{position}]"
        kinds = [kind for kind in _SCHEDULE_KINDS if getattr(schedule, kind) is not None]
        if len(kinds) == 1:
            problems += _prefect_schedule_problems(schedule, field, kinds[0])
        else:
            given = {kind: getattr(schedule, kind) for kind in kinds}
            problems.append(Problem(field, given, "exactly one of cron, interval (seconds) or rrule"))
        if not isinstance(schedule.active, bool):
            problems.append(Problem(f"{field}.active", schedule.active, "true or false"))
        slug = deployment.schedule_slug(position)
        if not isinstance(slug, str) or not slug:
            problems.append(Problem(f"{field}.slug", slug, "a non-empty string"))
        elif slug in slug_positions:
            problems.append(
                Problem(
                    f"{field}.slug",
                    slug,
                    f"a slug unique within the deployment; schedules[{slug_positions[slug]}] has it",
                )
            )
        else:
            slug_positions[slug] = position
    return problems


def _flow_problems(deployment: DeploymentArgs, prefix: str, project_root: Path) -> list[Problem]:
    try:
        source = read_flow_source(deployment.entrypoint, project_root)
    except EntrypointError as exc:
        return [Problem(f"{prefix}.entrypoint", deployment.entrypoint, str(exc))]
    schema = source.parameter_schema
    if not isinstance(deployment.parameters, Mapping):
        return []
    problems = _parameter_problems(deployment.parameters, schema, source, f"{prefix}.parameters")
    required = set(schema.get("required", [])) - source.variadic_names
    for position, schedule in enumerate(deployment.schedules):
        field = f"{prefix}.schedules[{position}].parameters"
        if not isinstance(schedule.parameters, Mapping):
            problems.append(Problem(field, schedule.parameters, "a mapping of parameter names to values"))
            continue
        problems += _parameter_problems(schedule.parameters, schema, source, field)
        missing = required - set(deployment.parameters) - set(schedule.parameters)
        if missing:
            problems.append(
                Problem(
                    field,
                    sorted(missing),
                    "a value for every required flow parameter here or in the deployment's parameters, "
                    "since scheduled runs get no others",
                )
            )
    return problems


def _parameter_problems(
    values: Mapping[str, Any], schema: Mapping[str, Any], source: FlowSource, field: str
) -> list[Problem]:
    properties: Mapping[str, Any] = schema.get("properties", {})
    known = {name for name in properties if name not in source.variadic_names}
    problems = []
    if not source.accepts_any_keyword:
        problems += [
            Problem(field, name, f"parameter names of flow {source.flow_name!r}: {', '.join(sorted(known))}")
            for name in values
            if name not in known
        ]
    # As JSON, the form the server validates: a YAML date is a string there.
    checked = to_jsonable_python({name: value for name, value in values.items() if name in known})
    errors = validate_against_schema(checked, _prepared_schema(json.dumps(schema, sort_keys=True)), preprocess=False)
    for error in (leaf for found in errors for leaf in _leaf_errors(found)):
        path = ".".join(str(part) for part in error.absolute_path)
        problems.append(
            Problem(
                f"{field}.{path}" if path else field,
                error.instance,
                f"what the flow's signature declares ({error.message})",
            )
        )
    return problems


@functools.lru_cache(maxsize=256)
def _prepared_schema(schema_json: str) -> dict[str, Any]:
    """The schema as Prefect's `validate(..., ignore_required=True)` prepares it, once per flow signature: the
    preparation walks the whole schema and costs more than checking one deployment's values."""
    # Required parameters may come from elsewhere (schedule, run); the server ignores them here too.
    return remove_nested_keys(["required"], preprocess_schema(json.loads(schema_json)))


def _leaf_errors(error: SchemaError) -> list[SchemaError]:
    """The deepest causes of an `anyOf` failure, which name the bad nested field, or the error itself."""
    if not error.context:
        return [error]
    deepest = max(len(sub.absolute_path) for sub in error.context)
    if deepest <= len(error.absolute_path):
        return [error]
    return [leaf for sub in error.context if len(sub.absolute_path) == deepest for leaf in _leaf_errors(sub)]
