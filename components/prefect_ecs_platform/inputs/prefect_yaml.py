"""Deployments declared in Prefect's own prefect.yaml, read into `DeploymentArgs`.

The file is parsed with the model the `prefect deploy` CLI uses (`prefect.cli.deploy._models.PrefectYamlModel`,
private, hence prefect pinned to 3.8.x and a test on its shape). Entrypoints are relative to the project root,
as when running `prefect deploy --prefect-file flows/prefect.yaml` from it.

What the platform would not carry out is rejected by name with the reason, never dropped: build, push and pull
steps (the platform builds, pushes and pins the image and sets the pull step), triggers, SLAs, a work pool name
(every deployment runs in the platform's pool) and `{{ }}` templates (Prefect resolves them only while
`prefect deploy` runs).

Per-stack overrides come from stack config, a mapping of deployment name (or `"*"` for all, applied first) to
any of `paused`, `schedules_active`, `cpu`, `memory`, `ui_owned`::

    prefect-ecs-platform:deploymentOverrides:
      "*": {schedules_active: false}
      etl-daily: {cpu: 1024, memory: 2048, ui_owned: [paused]}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pydantic
import yaml
from prefect.cli.deploy._models import DeploymentConfig, PrefectYamlModel, RawScheduleConfig, WorkPoolConfig
from pydantic_core import to_jsonable_python

from prefect_ecs_platform.inputs.deployment_args import DeploymentArgs, ScheduleArgs
from prefect_ecs_platform.inputs.deployment_validation import ui_owned_problems
from prefect_ecs_platform.inputs.job_variables import platform_job_variables
from prefect_ecs_platform.inputs.problems import Problem, raise_if_any
from prefect_ecs_platform.inputs.timezones import zones_listed_once

#: Applies an override to every deployment, before the overrides naming one.
ALL_DEPLOYMENTS = "*"
#: Keys a per-stack override may set, with the type each takes.
OVERRIDE_KEYS: Mapping[str, type] = {
    "paused": bool,
    "schedules_active": bool,
    "cpu": int,
    "memory": int,
    "ui_owned": list,
}

_ACTION_REASONS = {
    "build": "the platform builds the flows image from flows/Dockerfile; prefect.yaml build steps would not run",
    "push": "the platform pushes the flows image to its ECR repository and pins it by digest",
    "pull": "the platform sets the pull step itself: set_working_directory to where the image holds the code",
}
_DEPLOYMENT_REASONS = {
    **_ACTION_REASONS,
    "triggers": "the platform does not manage automations; these triggers would never be created",
    "sla": "the platform does not manage SLAs (a Prefect Cloud feature); these would never be created",
    "flow_name": "the flow name is read from the entrypoint's @flow decorator",
    "version_type": "the platform sends `version` as written and no version_info",
}
#: Top-level keys besides the model's: `definitions` is where prefect.yaml keeps YAML anchors.
_TOP_LEVEL_EXTRA = {"definitions"}
_SCHEDULE_REASONS = {
    "anchor_date": "the platform does not set interval anchors; the server anchors an interval when created",
    "replaces": "schedules are matched by slug; rename a schedule by changing its slug",
}
_TEMPLATE_REASON = (
    "a literal value: Prefect resolves {{ }} templates only while `prefect deploy` runs, "
    "and the platform sends values as written"
)
# Union member tags pydantic puts in error locations; they name a type, not a key of the file.
_TYPE_TAGS = {"int", "str", "float", "bool", "list", "dict", "none"}


def load_prefect_yaml(
    path: str | Path,
    *,
    stack: str | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    prefect_registers_task_definitions: bool = False,
    overrides_label: str = "overrides",
) -> list[DeploymentArgs]:
    """Read the deployments of a prefect.yaml and apply `overrides`, which messages call `overrides_label`.

    Raises `InvalidInputError` listing every problem in the file and the overrides. (`stack` is accepted for
    callers of earlier versions; messages no longer name it.)
    """
    deployments, problems = read_prefect_yaml(
        path,
        overrides=overrides,
        prefect_registers_task_definitions=prefect_registers_task_definitions,
        overrides_label=overrides_label,
    )
    raise_if_any(problems)
    return deployments


def read_prefect_yaml(
    path: str | Path,
    *,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    prefect_registers_task_definitions: bool = False,
    overrides_label: str = "overrides",
) -> tuple[list[DeploymentArgs], list[Problem]]:
    """The deployments that could be read, and every problem found, so later checks still run on those."""
    path = Path(path)
    raw, problems = _read_yaml(path)
    if raw is None:
        return [], problems
    problems += _top_level_problems(raw, path.name)
    raw_deployments = raw.get("deployments")
    if not isinstance(raw_deployments, list):
        raw_deployments = []
    labels = deployment_labels(raw_deployments)
    templated = set()
    for index, item in enumerate(raw_deployments):
        for field, value in _templates(item, f"{path.name}:deployments[{labels[index]}]"):
            templated.add(field)
            problems.append(Problem(field, value, _TEMPLATE_REASON))
    try:
        with zones_listed_once():
            model = PrefectYamlModel.model_validate(raw)
    except pydantic.ValidationError as exc:
        problems += [p for p in _model_problems(exc, path.name, labels) if not _under_any(p.field, templated)]
        # The model failed, but each deployment's keys can still be checked, so one mistake hides no other.
        for index, item in enumerate(raw_deployments):
            if isinstance(item, Mapping):
                problems += deployment_key_problems(item, f"{path.name}:deployments[{labels[index]}]")
        return [], problems
    deployments = []
    platform_variables = platform_job_variables(prefect_registers_task_definitions)
    for index, (config, item) in enumerate(zip(model.deployments, raw_deployments, strict=True)):
        deployment, found = _deployment(
            config, item, f"{path.name}:deployments[{labels[index]}]", templated, platform_variables
        )
        problems += found
        if deployment is not None:
            deployments.append(deployment)
    # Names from the file, so an override of a deployment with problems is not reported as unknown too.
    names = [config.name for config in model.deployments if config.name]
    overridden, found = _apply_overrides(deployments, names, overrides or {}, overrides_label)
    return overridden, problems + found


def _read_yaml(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    try:
        # libyaml's loader when PyYAML has it: the same safe schema, ten times faster on a long file.
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        return None, [Problem(str(path), str(path), "a prefect.yaml that exists (paths are relative to the project)")]
    except (OSError, yaml.YAMLError) as exc:
        return None, [Problem(str(path), str(path), f"a readable prefect.yaml: {exc}")]
    if not isinstance(loaded, dict):
        return None, [Problem(str(path), loaded, "a YAML mapping with a `deployments` list")]
    return loaded, []


def _top_level_problems(raw: Mapping[str, Any], file: str) -> list[Problem]:
    known = {info.alias or name for name, info in PrefectYamlModel.model_fields.items()} | _TOP_LEVEL_EXTRA
    problems = [
        Problem(f"{file}:{key}", raw[key], f"a top-level prefect.yaml key: {', '.join(sorted(known))}")
        for key in raw
        if key not in known
    ]
    problems += [
        Problem(f"{file}:{key}", raw[key], f"no {key} steps; {reason}")
        for key, reason in _ACTION_REASONS.items()
        if raw.get(key)
    ]
    return problems


def _templates(value: Any, field: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        if "{{" in value and "}}" in value:
            yield field, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _templates(item, f"{field}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _templates(item, f"{field}[{index}]")


def _under_any(field: str, parents: set[str]) -> bool:
    return any(field == parent or field.startswith((f"{parent}.", f"{parent}[")) for parent in parents)


#: What a value takes, by pydantic's error type, in the user's terms.
_PLAIN_MESSAGES = {
    "time_delta_parsing": "a number of seconds, e.g. 900 for 15 minutes",
    "time_delta_type": "a number of seconds, e.g. 900 for 15 minutes",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "float_parsing": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "dict_type": "a map",
    "list_type": "a list",
    "missing": "required",
}


def deployment_labels(raw_deployments: list[Any]) -> list[str]:
    """How messages name each deployment of a prefect.yaml: its name when it has a unique one, else its index."""
    names = [item.get("name") if isinstance(item, Mapping) else None for item in raw_deployments]
    return [
        name if isinstance(name, str) and name and names.count(name) == 1 else str(index)
        for index, name in enumerate(names)
    ]


def _model_problems(exc: pydantic.ValidationError, file: str, labels: list[str]) -> list[Problem]:
    """One problem per field; for schedules only the flat form (RawScheduleConfig) is explained."""
    by_field: dict[str, tuple[Any, list[str]]] = {}
    for error in exc.errors():
        loc = list(error["loc"])
        schedule_tag = _schedule_union_tag(loc)
        if schedule_tag is not None:
            if "RawScheduleConfig" not in str(loc[schedule_tag]):
                continue
            del loc[schedule_tag]
        if len(loc) > 1 and loc[0] == "deployments" and isinstance(loc[1], int) and loc[1] < len(labels):
            loc[1] = labels[loc[1]]
        field = file + ":" + _format_loc(loc)
        _, messages = by_field.setdefault(field, (error.get("input"), []))
        message = _PLAIN_MESSAGES.get(error["type"], error["msg"])
        if message not in messages:
            messages.append(message)
    return [Problem(field, value, "; ".join(messages)) for field, (value, messages) in by_field.items()]


def _schedule_union_tag(loc: list[int | str]) -> int | None:
    """Where a schedule item's union member tag sits in an error location, if it has one."""
    for index, part in enumerate(loc):
        # `schedule: {...}` is tagged right after the key, `schedules: [...]` after the item's index.
        tag = index + 1 if part == "schedule" else index + 2 if part == "schedules" else None
        if tag is not None:
            return tag if tag < len(loc) else None
    return None


def _format_loc(loc: list[int | str]) -> str:
    out = ""
    for position, part in enumerate(loc):
        if isinstance(part, int) or (position == 1 and loc[0] == "deployments"):
            out += f"[{part}]"
        elif part.isidentifier() and not part[0].isupper() and part not in _TYPE_TAGS:
            out += f".{part}" if out else part
    return out


#: Keys written at a deployment's top level that belong elsewhere, with where.
_MISPLACED = {
    "job_variables": "it belongs under work_pool: (work_pool: {job_variables: {...}})",
    "work_queue_name": "it belongs under work_pool: (work_pool: {work_queue_name: ...})",
    "timezone": "it belongs inside a schedule (schedules: [{cron: ..., timezone: ...}])",
    "cron": "it belongs inside a schedule (schedules: [{cron: ...}])",
    "interval": "it belongs inside a schedule (schedules: [{interval: ...}])",
    "rrule": "it belongs inside a schedule (schedules: [{rrule: ...}])",
}


def deployment_key_problems(item: Mapping[str, Any], field: str) -> list[Problem]:
    """Keys of one raw deployment that the platform does not take, each with where it belongs or why not."""
    honoured = ", ".join(sorted(set(DeploymentConfig.model_fields) - set(_DEPLOYMENT_REASONS)))
    problems = [
        Problem(f"{field}.{key}", item[key], _MISPLACED.get(key, f"a prefect.yaml deployment key: {honoured}"))
        for key in item
        if key not in DeploymentConfig.model_fields
    ]
    problems += [
        Problem(f"{field}.{key}", item[key], f"no {key}; {reason}")
        for key, reason in _DEPLOYMENT_REASONS.items()
        if item.get(key)
    ]
    return problems


def _deployment(
    config: DeploymentConfig,
    item: Mapping[str, Any],
    field: str,
    templated: set[str],
    platform_variables: Mapping[str, str],
) -> tuple[DeploymentArgs | None, list[Problem]]:
    problems = deployment_key_problems(item, field)
    for key in ("name", "entrypoint"):
        if not getattr(config, key):
            problems.append(Problem(f"{field}.{key}", getattr(config, key), "a non-empty string"))
    schedules, found = _schedules(config, item, field)
    problems += found
    job_variables, work_queue_name, found = _work_pool(
        config.work_pool, item.get("work_pool"), f"{field}.work_pool", platform_variables
    )
    problems += found
    concurrency_limit = config.concurrency_limit
    if concurrency_limit is not None and not isinstance(concurrency_limit, int):
        if concurrency_limit.collision_strategy is not None or concurrency_limit.grace_period_seconds is not None:
            problems.append(
                Problem(
                    f"{field}.concurrency_limit",
                    item.get("concurrency_limit"),
                    "an integer limit; the platform sends no collision strategy or grace period",
                )
            )
        concurrency_limit = concurrency_limit.limit
    tags = config.tags if config.tags is not None else []
    if isinstance(tags, str) and f"{field}.tags" not in templated:
        problems.append(Problem(f"{field}.tags", tags, "a list of strings"))
    problems = [p for p in problems if not _under_any(p.field, templated)]
    if problems or isinstance(tags, str):
        return None, problems
    cpu, memory = job_variables.pop("cpu", None), job_variables.pop("memory", None)
    return (
        DeploymentArgs(
            name=config.name or "",
            entrypoint=config.entrypoint or "",
            # As JSON, like `prefect deploy` sends them: YAML dates become ISO strings.
            parameters=to_jsonable_python(config.parameters),
            schedules=schedules,
            job_variables=job_variables,
            cpu=cpu,
            memory=memory,
            tags=list(tags),
            description=config.description,
            paused=bool(config.paused),
            concurrency_limit=concurrency_limit,
            work_queue_name=work_queue_name,
            version=config.version,
            enforce_parameter_schema=config.enforce_parameter_schema is not False,
        ),
        [],
    )


def _work_pool(
    config: WorkPoolConfig | None, item: Any, field: str, platform_variables: Mapping[str, str]
) -> tuple[dict[str, Any], str | None, list[Problem]]:
    if config is None or not isinstance(item, Mapping):
        return {}, None, []
    problems = [
        Problem(f"{field}.{key}", item[key], "a work_pool key the platform honours: job_variables, work_queue_name")
        for key in item
        if key not in WorkPoolConfig.model_fields
    ]
    if config.name:
        problems.append(
            Problem(f"{field}.name", config.name, "no work pool name; every deployment runs in the platform's pool")
        )
    if "image" in config.job_variables and "image" in platform_variables:
        problems.append(
            Problem(f"{field}.job_variables.image", config.job_variables["image"], platform_variables["image"])
        )
    # cpu and memory become the deployment's fields so they are checked as a Fargate pair.
    return dict(config.job_variables), config.work_queue_name, problems


def _schedules(
    config: DeploymentConfig, item: Mapping[str, Any], field: str
) -> tuple[list[ScheduleArgs], list[Problem]]:
    if config.schedule is not None and config.schedules is not None:
        return [], [Problem(f"{field}.schedule", item.get("schedule"), "either `schedule` or `schedules`, not both")]
    # `schedule` is the legacy single form; the CLI reads it as a one-item `schedules`.
    key, items = ("schedule", [config.schedule]) if config.schedule is not None else ("schedules", config.schedules)
    schedules, problems = [], []
    for position, schedule in enumerate(items or []):
        schedule_field = f"{field}.{key}" if key == "schedule" else f"{field}.schedules[{position}]"
        if not isinstance(schedule, RawScheduleConfig):
            problems.append(
                Problem(
                    schedule_field,
                    schedule if isinstance(schedule, dict) else schedule.model_dump(mode="json", exclude_unset=True),
                    "a flat schedule: one of cron, interval or rrule with timezone, active, slug, parameters",
                )
            )
            continue
        found = _schedule_problems(schedule, schedule_field)
        problems += found
        if not found:
            schedules.append(
                ScheduleArgs(
                    cron=schedule.cron,
                    interval=schedule.interval.total_seconds() if schedule.interval is not None else None,
                    rrule=schedule.rrule,
                    timezone=schedule.timezone,
                    active=schedule.active if isinstance(schedule.active, bool) else True,
                    slug=schedule.slug,
                    parameters=to_jsonable_python(schedule.parameters),
                )
            )
    return schedules, problems


def _schedule_problems(schedule: RawScheduleConfig, field: str) -> list[Problem]:
    problems = [
        Problem(f"{field}.{key}", getattr(schedule, key), reason)
        for key, reason in _SCHEDULE_REASONS.items()
        if getattr(schedule, key) is not None
    ]
    if schedule.day_or not in (None, True):
        problems.append(Problem(f"{field}.day_or", schedule.day_or, "true (cron's usual day-of-month OR day-of-week)"))
    if schedule.active is not None and not isinstance(schedule.active, bool):
        problems.append(Problem(f"{field}.active", schedule.active, "true or false"))
    return problems


def _apply_overrides(
    deployments: list[DeploymentArgs], names: list[str], overrides: Mapping[str, Mapping[str, Any]], label: str
) -> tuple[list[DeploymentArgs], list[Problem]]:
    problems = []
    for name, override in overrides.items():
        if name != ALL_DEPLOYMENTS and name not in names:
            allowed = ", ".join(repr(n) for n in [ALL_DEPLOYMENTS, *names])
            problems.append(
                Problem(label, name, f"a deployment name from prefect.yaml or {ALL_DEPLOYMENTS!r}: {allowed}")
            )
        if not isinstance(override, Mapping):
            problems.append(Problem(f"{label}.{name}", override, f"a mapping of {', '.join(OVERRIDE_KEYS)}"))
            continue
        for key, value in override.items():
            expected = OVERRIDE_KEYS.get(key)
            if expected is None:
                problems.append(Problem(f"{label}.{name}", key, f"override keys: {', '.join(OVERRIDE_KEYS)}"))
            elif key == "ui_owned":
                problems += ui_owned_problems(value, f"{label}.{name}.{key}")
            elif not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                kind = "true or false" if expected is bool else "a whole number, e.g. 1024"
                problems.append(Problem(f"{label}.{name}.{key}", value, kind))
    if problems:
        return deployments, problems
    everyone = overrides.get(ALL_DEPLOYMENTS, {})
    return [_override(_override(d, everyone), overrides.get(d.name, {})) for d in deployments], []


def _override(deployment: DeploymentArgs, override: Mapping[str, Any]) -> DeploymentArgs:
    changes: dict[str, Any] = {key: override[key] for key in ("paused", "cpu", "memory") if key in override}
    if "ui_owned" in override:
        changes["ui_owned"] = tuple(override["ui_owned"])
    if "schedules_active" in override:
        active = override["schedules_active"]
        changes["schedules"] = [dataclasses.replace(s, active=active) for s in deployment.schedules]
    return dataclasses.replace(deployment, **changes)
