"""The stack's configuration, loaded once into a typed model and turned into component args.

Keys live in the project's namespace (`<project>:<key>`, `pulumi.get_project()`; this repository's project is
`prefect-ecs-platform`), camelCase as Pulumi convention has it, so the stack program works under any name.
Pulumi hands every value to the program as a string (JSON for lists and maps); pydantic parses them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import typing
from collections.abc import Mapping, Sequence
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import pulumi
from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.args_validation import args_problems
from prefect_ecs_platform.inputs.config_keys import API_KEY_KEY, AUTH_STRING_KEY, NAMESPACE
from prefect_ecs_platform.inputs.declarations import MODEL_KEYS, RENAMED_KEYS, SECRET_KEYS, WORKER_ONLY
from prefect_ecs_platform.inputs.deployment_args import DeploymentArgs
from prefect_ecs_platform.inputs.prefect_yaml import read_prefect_yaml
from prefect_ecs_platform.inputs.problems import MISSING, Problem, place_of, raise_if_any
from prefect_ecs_platform.inputs.stack_model import StackConfig, StackModel

__all__ = ["SECRET_KEYS", "StackConfig", "load_stack_config", "parse_stack_config_partially"]


def _decode(raw: str) -> Any:
    # Lists and maps arrive JSON-encoded; scalars arrive as their text, which pydantic coerces.
    if raw[:1] in ("[", "{"):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def _all_keys() -> dict[str, str]:
    # The language host passes config in PULUMI_CONFIG; set_all_config (tests, automation) sets the context.
    return {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}


def _namespaced_keys(keys: Mapping[str, str], namespace: str) -> dict[str, str]:
    prefix = f"{namespace}:"
    return {key.removeprefix(prefix): value for key, value in keys.items() if key.startswith(prefix)}


def stale_namespace_problems(keys: Mapping[str, str], namespace: str) -> list[Problem]:
    """Keys left in this repository's namespace by a project that has another name: nothing would read them.

    `pulumi new` (or a copy) renames the project in Pulumi.yaml, not the keys in the stack files.
    """
    if namespace == NAMESPACE:
        return []
    return [
        Problem(key, value, f"the project is named {namespace!r}: rename the key to {namespace}:{key.split(':', 1)[1]}")
        for key, value in sorted(keys.items())
        if key.startswith(f"{NAMESPACE}:")
    ]


#: Namespaces whose keys something reads besides the project's: the providers the stack uses, and Pulumi's.
READ_NAMESPACES = ("aws", "awsx", "docker", "docker-build", "pulumi")
_SUFFIX_PLACEHOLDERS = ("stack",)
_HOW_TO_SET = {
    "prefectApiUrl": "set it with `pulumi config set prefectApiUrl "
    "https://api.prefect.cloud/api/accounts/<id>/workspaces/<id>` (or a self-hosted server URL ending in /api)",
}


_KEYS = {d.field: d.key for d in MODEL_KEYS}


def stack_key(field: str) -> str:
    """How the stack file writes the model's (and the component's) field `field`."""
    return _KEYS.get(field) or to_camel(field)


#: What a key takes, by the start of pydantic's error type, in the user's terms ({key} is the key).
_EXPECTED_BY_ERROR = (
    ("int_", "a whole number, e.g. 512"),
    ("bool_", "true or false"),
    ("dict_", "a map, e.g. {key}: {{team: data}}"),
    ("mapping_", "a map, e.g. {key}: {{team: data}}"),
    ("list_", "a list, e.g. {key}: [a, b]"),
    ("tuple_", "a list, e.g. {key}: [a, b]"),
    ("string_", "text"),
    ("dataclass_", "a map of its fields, e.g. {key}: {{enabled: true}}"),
)


def _field_names(model_type: Any) -> list[str]:
    """The fields of the dataclass a map key is read into; none for a plain map."""
    found = [t for t in (*typing.get_args(model_type), model_type) if dataclasses.is_dataclass(t)]
    return [f.name for f in dataclasses.fields(found[0])] if found else []


def _map_fields(key: str) -> list[str]:
    """The fields a map key's dataclass takes, as the stack file writes them."""
    return [to_camel(name) for name in _field_names(next(d.model_type for d in MODEL_KEYS if d.key == key))]


def _expected(item: Any, key: str) -> str:
    """What a key takes, in the user's terms, for one pydantic error."""
    kind = item["type"]
    if kind == "literal_error":
        return f"one of {item['ctx']['expected']}"
    if kind in ("extra_forbidden", "unexpected_keyword_argument") and _in_entry(item["loc"]):
        fields = _map_fields(key)
        close = get_close_matches(str(item["loc"][-1]), fields, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"not a field of {_owner(item['loc'])}, which takes {', '.join(fields)}{hint}"
    if kind == "extra_forbidden":
        close = get_close_matches(key, [stack_key(f) for f in StackConfig.model_fields], n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return RENAMED_KEYS.get(key, f"not a key of this stack: docs/configuration.md lists them{hint}")
    for prefix, expected in _EXPECTED_BY_ERROR:
        if kind.startswith(prefix):
            return expected.format(key=key)
    return str(item["msg"])


def _in_entry(loc: tuple[Any, ...]) -> bool:
    """Whether an error is about a field of a map key's dataclass, or of one entry of a list key's."""
    return len(loc) == 2 or (len(loc) == 3 and isinstance(loc[1], int))


def _owner(loc: tuple[Any, ...]) -> str:
    """The map the field at `loc` belongs to, as the stack file writes it."""
    return str(loc[0]) if len(loc) == 2 else f"{loc[0]}[{loc[1]}]"


def _model_problems(error: ValidationError) -> tuple[list[Problem], set[str]]:
    problems, keys = [], set()
    for item in error.errors():
        key = str(item["loc"][0])
        place = key + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in item["loc"][1:])
        keys.add(key)
        if item["type"] == "missing" and _in_entry(item["loc"]):
            fields = ", ".join(_map_fields(key))
            problems.append(Problem(place, MISSING, f"{_owner(item['loc'])} takes {fields}"))
        elif item["type"] == "missing":
            problems.append(Problem(place, MISSING, _HOW_TO_SET.get(key, f"set it with `pulumi config set {key} ...`")))
        else:
            problems.append(Problem(place, item.get("input"), _expected(item, key)))
    return problems, keys


def parse_stack_config_partially(raw: dict[str, str]) -> tuple[StackModel, list[Problem], set[str]]:
    """The model with every bad key left at its default, the problems, and the keys they name.

    So one bad key does not hide the rules of the others: they run on this model.
    """
    values = {key: _decode(value) for key, value in raw.items() if key not in SECRET_KEYS}
    try:
        return StackConfig.model_validate(values), [], set()
    except ValidationError as error:
        problems, keys = _model_problems(error)
        bad_fields = _bad_fields(error)
    kept = {key: value for key, value in values.items() if key not in keys}
    # A map read into a dataclass keeps its good fields: a misspelt field must not switch hosting off.
    for key, bad in bad_fields.items():
        if isinstance(values.get(key), dict):
            kept[key] = {name: value for name, value in values[key].items() if name not in bad}
    try:
        return StackConfig.model_validate(kept), problems, keys
    except ValidationError:
        kept = {key: value for key, value in kept.items() if key not in keys}
        return StackConfig.model_validate(kept), problems, keys


def _bad_fields(error: ValidationError) -> dict[str, set[str]]:
    """The fields of a map key that failed, by key, for errors inside a map's fields only."""
    bad: dict[str, set[str]] = {}
    for item in error.errors():
        if len(item["loc"]) == 2 and isinstance(item["loc"][1], str):
            bad.setdefault(str(item["loc"][0]), set()).add(item["loc"][1])
    return bad


def _other_mode_problems(model: StackModel) -> list[Problem]:
    if model.mode != "push":
        return []
    defaults = StackConfig.model_fields
    return [
        Problem(
            stack_key(field),
            _as_written(getattr(model, field)),
            "it applies only with mode: worker (this stack's mode is push); remove it, or set mode to worker",
        )
        for field in WORKER_ONLY
        if getattr(model, field) != defaults[field].get_default(call_default_factory=True)
    ]


def _as_written(value: object) -> object:
    """A value as the stack file writes it: a dataclass as the map of its fields that differ from the defaults."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    default = type(value)()
    return {
        to_camel(f.name): getattr(value, f.name)
        for f in dataclasses.fields(value)
        if getattr(value, f.name) != getattr(default, f.name)
    }


def _suffix_problems(suffix: str) -> list[Problem]:
    unknown = [name for name in re.findall(r"\{([^}]*)\}", suffix) if name not in _SUFFIX_PLACEHOLDERS]
    if not unknown:
        return []
    return [
        Problem(
            stack_key("deployment_name_suffix"), suffix, "text where only {stack} is replaced (by the stack's name)"
        )
    ]


def _warn_about_keys(keys: Mapping[str, str], namespace: str) -> None:
    for key in sorted(keys):
        scope, _, name = key.partition(":")
        if scope not in (namespace, NAMESPACE, *READ_NAMESPACES):
            pulumi.log.warn(
                f"config key {key}: nothing reads the {scope!r} namespace; did you mean {namespace}:{name}?"
            )
    if f"{namespace}:{API_KEY_KEY}" in keys and not pulumi.runtime.config.is_config_secret(
        f"{namespace}:{API_KEY_KEY}"
    ):
        pulumi.log.warn(
            f"{API_KEY_KEY} is stored in plain text in the stack file: set it with "
            f"`pulumi config set --secret {API_KEY_KEY} <key>`"
        )


def _places(model: StackModel, deployments: Sequence[DeploymentArgs], yaml_file: str) -> dict[str, str]:
    """Where the stack's user wrote each component field: stack keys, prefect.yaml paths, overrides."""
    places = dict(_KEYS)
    for d in MODEL_KEYS:
        if d.model_type is not None and d.kind == "map" and d.component:
            places |= {f"{d.field}.{name}": f"{d.key}.{to_camel(name)}" for name in _field_names(d.model_type)}
        if d.model_type is not None and d.kind == "array" and d.component:
            for index in range(len(getattr(model, d.field))):
                places[f"{d.field}[{index}]"] = f"{d.key}[{index}]"
                places |= {
                    f"{d.field}[{index}].{name}": f"{d.key}[{index}].{to_camel(name)}"
                    for name in _field_names(d.model_type)
                }
    places |= {"prefect_api_key": API_KEY_KEY, "prefect_api_auth_string": AUTH_STRING_KEY}
    overrides = model.deployment_overrides
    for index, deployment in enumerate(deployments):
        places[f"deployments[{index}]"] = f"{yaml_file}:deployments[{deployment.name}]"
        for field in ("job_variables", "work_queue_name"):
            places[f"deployments[{index}].{field}"] = f"{yaml_file}:deployments[{deployment.name}].work_pool.{field}"
        for field in ("cpu", "memory"):
            source = next((key for key in (deployment.name, "*") if field in overrides.get(key, {})), None)
            places[f"deployments[{index}].{field}"] = (
                f"deploymentOverrides.{source}.{field}"
                if source
                else f"{yaml_file}:deployments[{deployment.name}].work_pool.job_variables.{field}"
            )
    return places


def _from_environment(variable: str, model: StackModel) -> pulumi.Output[str] | None:
    """A credential from the environment of `pulumi up`, unless the stack hosts its server.

    A hosted stack takes none (its auth string is its own), and a CI job or a shell that exports a Prefect
    Cloud key for other stacks must not make it fail: such a value is ignored, and said so.
    """
    value = os.environ.get(variable)
    if not value:
        return None
    if model.prefect_server is not None and model.prefect_server.enabled:
        pulumi.log.warn(f"{variable} in the environment is ignored: the stack hosts its Prefect server")
        return None
    return pulumi.Output.secret(value)


def load_stack_config(component_name: str = "data") -> tuple[StackModel, PrefectEcsPlatformArgs]:
    """Load the current stack's config and build the args of the component named `component_name`.

    Every stage (the stack file, the prefect.yaml it names, the component's rules) runs, and their problems
    are raised together, each named as the user wrote it, before anything is created.
    """
    namespace = pulumi.get_project()
    keys = _all_keys()
    raise_if_any(stale_namespace_problems(keys, namespace))
    _warn_about_keys(keys, namespace)
    config = pulumi.Config(namespace)
    model, problems, bad_keys = parse_stack_config_partially(_namespaced_keys(keys, namespace))
    other_mode = _other_mode_problems(model)
    bad_keys |= {p.field for p in other_mode}
    problems += [*other_mode, *_suffix_problems(model.deployment_name_suffix)]
    api_key: pulumi.Input[str] | None = config.get_secret(API_KEY_KEY)
    auth_string: pulumi.Input[str] | None = config.get_secret(AUTH_STRING_KEY)
    api_key = api_key if api_key is not None else _from_environment("PREFECT_API_KEY", model)
    auth_string = auth_string if auth_string is not None else _from_environment("PREFECT_API_AUTH_STRING", model)
    stack = pulumi.get_stack()
    deployments: list[DeploymentArgs] = []
    if model.prefect_yaml and stack_key("prefect_yaml") not in bad_keys:
        deployments, found = read_prefect_yaml(
            Path(model.prefect_yaml),
            overrides=None if "deploymentOverrides" in bad_keys else model.deployment_overrides or None,
            prefect_registers_task_definitions=model.prefect_registers_task_definitions,
            overrides_label="deploymentOverrides",
        )
        problems += found
    args = model.to_args(
        stack=stack, prefect_api_key=api_key, prefect_api_auth_string=auth_string, deployments=deployments
    )
    places = {**_places(model, deployments, Path(model.prefect_yaml).name), model.prefect_yaml: "prefectYaml"}
    # A rule on a key the stack file already got wrong would only repeat it.
    problems += [
        p for p in args_problems(component_name, args) if place_of(p.field, places).split(".")[0] not in bad_keys
    ]
    raise_if_any(problems, places)
    return model, args
