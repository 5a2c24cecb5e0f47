"""A stack's configuration read from its files the way the Pulumi CLI hands it to the program.

What `pulumi up` does before the program starts (read in pulumi/pulumi, `sdk/go/common/workspace/config.go`,
`mergeConfig` and `validateStackConfigValues`): it merges the `value` or `default` of every key Pulumi.yaml
declares into the stack's config, reports declared keys that have neither as missing (all of them, sorted,
in one error), then checks each explicitly typed key in sorted order and stops at the first mismatch. Every
value reaches the program as text: a YAML scalar as written, a list or map as JSON. Errors carry the CLI's
wording behind its `validating stack config: ` prefix.

Two differences, both forced by running without the CLI: `secure:` values cannot be decrypted, so they
become marked placeholders and their declared type is not checked; and Pulumi ESC environments cannot be
opened, so a stack file that imports one is refused.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from prefect_ecs_platform.inputs.placeholders import secret_placeholder

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")
_INT64 = 2**63
# yaml.v3, which the CLI reads YAML with, resolves plain scalars by the YAML 1.2 core schema.
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^[-+]?(?:[0-9][0-9_]*|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$|^[-+]?\.(?:inf|Inf|INF)$")


class StackFilesError(Exception):
    """The stack cannot be evaluated: the message is what the CLI (or, where the CLI has none, render) says."""


@dataclass(frozen=True)
class StackFiles:
    """What the program sees of one stack: its project, its config as text, and which keys are secret."""

    project: str
    stack: str
    root: Path
    program: Path
    stack_file: Path
    config: dict[str, str]
    secret_keys: tuple[str, ...]


@dataclass(frozen=True)
class _Value:
    text: str
    is_object: bool
    secure: bool


def _go_int(text: str) -> int | float:
    """Go's ParseInt with base 0, which yaml.v3 uses: a leading 0 means octal; failing that, a float."""
    unsigned = text.lstrip("+-")
    if len(unsigned) > 1 and unsigned[0] == "0" and unsigned[1].isdigit():
        octal = unsigned.lstrip("0") or "0"
        sign = -1 if text.startswith("-") else 1
        return sign * int(octal, 8) if set(octal) <= set("01234567") else float(text)
    return int(text, 0)


def _scalar(node: yaml.ScalarNode) -> Any:
    """A YAML scalar decoded as yaml.v3 decodes it into an interface (what goes into a JSON object)."""
    text = node.value
    if node.style:  # quoted or block: always a string
        return text
    decoded: Any = text
    if _NULL.match(text):
        decoded = None
    elif _BOOL.match(text):
        decoded = text.lower() == "true"
    elif _INT.match(text):
        decoded = _go_int(text.replace("_", ""))
    elif _FLOAT.match(text):
        decoded = float(re.sub(r"\.(?:inf|Inf|INF)$", "inf", text.replace("_", "")))
    return decoded


def _plain(node: yaml.Node, key: str, file: Path) -> tuple[Any, bool]:
    """A list or map node as data, `secure:` leaves replaced by placeholders; and whether one was."""
    if isinstance(node, yaml.MappingNode):
        secure_value = _secure_text(node)
        if secure_value is not None:
            return secret_placeholder(f"{key}, encrypted in {file.name}"), True
        result: dict[str, Any] = {}
        any_secure = False
        for key_node, value_node in node.value:
            result[str(key_node.value)], secure = _plain(value_node, key, file)
            any_secure |= secure
        return result, any_secure
    if isinstance(node, yaml.SequenceNode):
        items = [_plain(item, key, file) for item in node.value]
        return [value for value, _ in items], any(secure for _, secure in items)
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(node), False


def _secure_text(node: yaml.MappingNode) -> str | None:
    if len(node.value) == 1 and node.value[0][0].value == "secure" and isinstance(node.value[0][1], yaml.ScalarNode):
        return str(node.value[0][1].value)
    return None


def _json(value: Any) -> str:
    # Go's encoding/json: compact, map keys sorted.
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _stack_value(node: yaml.Node, key: str, file: Path) -> _Value:
    if isinstance(node, yaml.ScalarNode):
        # A scalar keeps the text it was written with: `True` stays "True", `0512` stays "0512".
        return _Value(node.value if _scalar(node) is not None or node.style else "", False, False)
    if isinstance(node, yaml.MappingNode) and _secure_text(node) is not None:
        return _Value(secret_placeholder(f"{key}, encrypted in {file.name}"), False, True)
    data, secure = _plain(node, key, file)
    return _Value(_json(data), True, secure)


def _default_value(value: Any) -> _Value:
    """A Pulumi.yaml `default` or `value`, as the CLI's createConfigValue turns it into config."""
    if isinstance(value, bool):
        return _Value("true" if value else "false", False, False)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return _Value(str(int(value)), False, False)  # Go's %v prints a whole float without ".0"
    if isinstance(value, (str, int, float)):
        return _Value(str(value), False, False)
    return _Value(_json(value), True, False)


def _load_yaml(path: Path) -> yaml.Node | None:
    try:
        return yaml.compose(path.read_text())
    except yaml.YAMLError as error:
        raise StackFilesError(f"could not read {path.name}: {error}") from None


def _mapping(node: yaml.Node | None) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): value for key, value in node.value}


def find_project_file(root: Path) -> Path:
    for name in PROJECT_FILES:
        if (root / name).is_file():
            return root / name
    raise StackFilesError(f"no Pulumi project in {root}: it has no {' or '.join(PROJECT_FILES)}")


def _program(root: Path, project: Mapping[str, Any]) -> Path:
    main = root / str(project.get("main") or ".")
    program = main / "__main__.py" if main.is_dir() else main
    if not program.is_file():
        raise StackFilesError(f"the project's program {program} does not exist")
    return program


def _namespaced(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _declarations(raw: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Pulumi.yaml's `config`, shorthand `key: value` entries rewritten as `{value: ...}` like the CLI does."""
    schema_keys = {"type", "default", "value", "description", "items", "secret"}
    return {
        key: dict(declared) if isinstance(declared, dict) and set(declared) & schema_keys else {"value": declared}
        for key, declared in raw.items()
    }


def _missing_error(stack: str, keys: list[str]) -> StackFilesError:
    if len(keys) == 1:
        listed = f"'{keys[0]}'"
    else:
        keys = sorted(keys)
        listed = " ".join(f"'{key}'," for key in keys[:-2])
        listed = f"{listed} '{keys[-2]}' and '{keys[-1]}'".lstrip()
    values = "values" if len(keys) > 1 else "value"
    return StackFilesError(f"validating stack config: Stack '{stack}' is missing configuration {values} {listed}")


def _full_type_name(type_name: str, items: Mapping[str, Any] | None) -> str:
    if items is not None:
        return f"array<{_full_type_name(str(items.get('type')), items.get('items'))}>"
    return type_name


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        # YAML numbers inside lists decode as floats; a whole one counts.
        return math.isfinite(value) and value == math.trunc(value)
    if isinstance(value, str):
        # strconv.Atoi: an optional sign and decimal digits, within int64.
        return bool(re.fullmatch(r"[-+]?[0-9]+", value)) and -_INT64 <= int(value) < _INT64
    return isinstance(value, int)


def matches_type(type_name: str, items: Mapping[str, Any] | None, value: Any) -> bool:
    """The CLI's ValidateConfigValue: what a declared `type` accepts."""
    checks = {
        "string": lambda: isinstance(value, str),
        "integer": lambda: _is_integer(value),
        "boolean": lambda: value in ("true", "false") or isinstance(value, bool),
    }
    if type_name in checks:
        return checks[type_name]()
    if not isinstance(value, list) or items is None:
        return False
    return all(matches_type(str(items.get("type")), items.get("items"), item) for item in value)


def _check_types(
    stack: str, declarations: Mapping[str, Mapping[str, Any]], values: Mapping[str, _Value], project: str
) -> None:
    for declared_key in sorted(declarations):
        declaration = declarations[declared_key]
        value = values.get(_namespaced(declared_key, project))
        if value is None or "type" not in declaration:
            continue
        if declaration.get("secret") and not value.secure:
            raise StackFilesError(
                f"validating stack config: Stack '{stack}' with configuration key '{declared_key}' "
                "must be encrypted as it's secret"
            )
        if value.secure:
            continue  # Encrypted: render cannot see the value to check it.
        content = json.loads(value.text) if value.is_object else value.text
        if not matches_type(str(declaration["type"]), declaration.get("items"), content):
            type_name = _full_type_name(str(declaration["type"]), declaration.get("items"))
            raise StackFilesError(
                f"validating stack config: Stack '{stack}' with configuration key '{declared_key}' "
                f"must be of type '{type_name}'"
            )


def _stack_file(root: Path, project_file: Path, project: Mapping[str, Any], stack: str) -> Path:
    folder = root / str(project.get("stackConfigDir") or ".")
    return folder / f"Pulumi.{stack}{project_file.suffix}"


def _stack_values(stack_file: Path, project: str) -> dict[str, _Value]:
    document = _mapping(_load_yaml(stack_file))
    if "environment" in document:
        raise StackFilesError(
            f"{stack_file.name} imports a Pulumi ESC environment, which render cannot open offline; "
            "render a stack whose configuration lives in its stack file"
        )
    values: dict[str, _Value] = {}
    for key, node in _mapping(document.get("config")).items():
        if ":" not in key:
            raise StackFilesError(
                f"{stack_file.name}: configuration key '{key}' is not namespaced: write it as '{project}:{key}'"
            )
        values[key] = _stack_value(node, key, stack_file)
    return values


def load_stack_files(root: Path, stack: str, overrides: Sequence[str] = ()) -> StackFiles:
    """Read `root`'s project and `stack`'s stack file, merged and checked as `pulumi up` would.

    `overrides` are `key=value` pairs, set on top of the stack file as `pulumi up --config` sets them.
    """
    project_file = find_project_file(root)
    project = yaml.safe_load(project_file.read_text()) or {}
    name = str(project.get("name") or "")
    if not name:
        raise StackFilesError(f"{project_file.name} has no project name")
    stack_file = _stack_file(root, project_file, project, stack)
    if not stack_file.is_file():
        raise StackFilesError(f"no stack file for stack '{stack}': {stack_file} does not exist")
    values = _stack_values(stack_file, name)
    for override in overrides:
        key, separator, text = override.partition("=")
        if not separator or not key:
            raise StackFilesError(f"--config {override!r}: write it as key=value")
        values[_namespaced(key, name)] = _Value(text, False, False)

    declarations = _declarations(project.get("config") or {})
    missing = []
    for declared_key in sorted(declarations):
        key = _namespaced(declared_key, name)
        declaration = declarations[declared_key]
        if key in values:
            continue
        given = declaration.get("default", declaration.get("value"))
        if given is None:
            if key.split(":", 1)[0] == name:
                missing.append(declared_key)
            continue
        values[key] = _default_value(given)
    if missing:
        raise _missing_error(stack, missing)
    _check_types(stack, declarations, values, name)

    return StackFiles(
        project=name,
        stack=stack,
        root=root,
        program=_program(root, project),
        stack_file=stack_file,
        config={key: value.text for key, value in sorted(values.items())},
        secret_keys=tuple(sorted(key for key, value in values.items() if value.secure)),
    )
