"""Every stack key, derived from its one declaration: a field of `PrefectEcsPlatformArgs` with `in_stack` metadata.

Its type gives the key's kind and choices, its default the key's default, its docstring the key's meaning, and
the metadata the example and modes. `Pulumi.yaml`'s `config:` block, `docs/configuration.md` and the stack
file's model (`stack_model.StackConfig`) are built from these; what a field cannot say lives in `EXCEPTIONS`,
the one table of arguments that are not read, typed or defaulted the ordinary way, and `STACK_ONLY`, the two
keys that are not arguments (they are read into `deployments`).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import textwrap
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import pulumi.output
from pydantic.alias_generators import to_camel

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.stack_usage import BOTH, USAGE, ModeName, StackUsage

Kind = Literal["string", "integer", "boolean", "array", "map"]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: The default of a key the stack must set.
REQUIRED = _Required()
_UNSET: Any = object()


@dataclass(frozen=True)
class Exception_:
    """How an argument departs from the ordinary: read another way, defaulted from the stack, or not a key."""

    #: Its stack name when that is not the camelCase of the field (none is today).
    stack_key: str = ""
    #: Read through `Config.get_secret`, never into `StackConfig`, so it stays an Output marked secret.
    secret: bool = False
    #: The stack file's default when it is not the argument's.
    stack_default: Any = _UNSET
    #: What an empty value stands for; `{stack}` is the stack's name.
    derived_default: str = ""
    #: `{stack}` in the value is replaced by the stack's name.
    expands_stack: bool = False
    #: Why the argument has no stack key (set only from Python).
    python_only: str = ""
    #: A key earlier versions read, with what replaced it; no argument has its name.
    replaced_by: str = ""


EXCEPTIONS: dict[str, Exception_] = {
    "prefect_api_key": Exception_(secret=True),
    "prefect_api_auth_string": Exception_(secret=True),
    "work_pool_name": Exception_(stack_default="", derived_default="ecs-{stack}"),
    "deployment_name_suffix": Exception_(stack_default="-{stack}", expands_stack=True),
    "task_role_statements": Exception_(python_only="a list of IAM statements; a stack attaches taskRolePolicyArns"),
    "deployments": Exception_(python_only="a stack reads them from prefectYaml and deploymentOverrides"),
    "project_root": Exception_(python_only="a stack's entrypoints are relative to its project directory"),
    "ecr_force_delete": Exception_(
        replaced_by="replaced by ecrRetainOnDestroy: pulumi destroy now always deletes the repository with its "
        "images, unless ecrRetainOnDestroy is true, which keeps both in AWS"
    ),
}
_ORDINARY = Exception_()


@dataclass(frozen=True)
class Declaration:
    field: str
    kind: Kind
    default: Any
    example: str
    modes: tuple[ModeName, ...] = BOTH
    #: The values a string key takes, when it takes only some.
    choices: tuple[str, ...] = ()
    #: The argument takes None where the stack file writes an empty value.
    optional: bool = False
    #: The stack file's type, when the kind's ordinary one does not fit.
    model_type: Any = None
    #: An argument of the component; the stack-only keys are read into `deployments` instead.
    component: bool = True
    #: The meaning of a stack-only key; an argument's is its docstring.
    text: str = ""

    @property
    def key(self) -> str:
        return special(self.field).stack_key or to_camel(self.field)

    @property
    def in_project_file(self) -> bool:
        """Whether Pulumi.yaml can declare the key: its types are string, integer, boolean and array of those."""
        return self.kind != "map" and not (self.kind == "array" and self.model_type is not None)

    @property
    def description(self) -> str:
        return self.text or argument_docstrings()[self.field]

    def component_value(self, value: Any, stack: str) -> Any:
        """The argument for the stack file's `value`."""
        row = special(self.field)
        if row.expands_stack:
            value = value.replace("{stack}", stack)
        if row.derived_default and not value:
            return row.derived_default.format(stack=stack)
        if self.optional and self.kind == "string" and self.choices == ("true", "false"):
            return None if not value else value == "true"
        if self.optional and not value:
            return None
        return value


def special(field: str) -> Exception_:
    """The field's row of EXCEPTIONS, or the ordinary case."""
    return EXCEPTIONS.get(field, _ORDINARY)


def argument_docstrings() -> dict[str, str]:
    """Each argument's docstring, on one line."""
    return attribute_docstrings(PrefectEcsPlatformArgs)


@cache
def attribute_docstrings(cls: type) -> dict[str, str]:
    """The docstring after each annotated attribute of `cls`, read from its source as pydantic reads them."""
    source = textwrap.dedent(inspect.getsource(cls))
    body = typing.cast(ast.ClassDef, ast.parse(source).body[0]).body
    found = {}
    for node, after in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            found[node.target.id] = " ".join(after.value.value.split())
    return found


def _shape(hint: Any) -> tuple[Kind, tuple[str, ...], bool]:
    """The stack kind, choices and optionality of an argument's type."""
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    members = typing.get_args(hint) if union else (hint,)
    optional = type(None) in members
    first = next(m for m in members if m is not type(None))
    origin = typing.get_origin(first)
    if first is bool:
        # A stack file has no null: an optional boolean is true, false or empty.
        return ("string", ("true", "false"), True) if optional else ("boolean", (), False)
    if first is int:
        return "integer", (), optional
    if origin is Literal:
        return "string", tuple(typing.get_args(first)), optional
    if origin in (Sequence, list, tuple):
        return "array", (), optional
    if origin in (Mapping, dict) or dataclasses.is_dataclass(first):
        return "map", (), optional
    if str in members:
        return "string", (), optional
    raise TypeError(f"no stack kind for {hint!r}")


def _is_dataclass_hint(hint: Any) -> bool:
    return any(dataclasses.is_dataclass(member) for member in (*typing.get_args(hint), hint))


def _stack_default(default: Any, kind: Kind, field: str, model_type: Any) -> Any:
    if special(field).stack_default is not _UNSET:
        return special(field).stack_default
    if default == ():
        return []
    if model_type is not None:
        return default
    if default is None:
        return [] if kind == "array" else ""
    return default


def _argument_declarations() -> tuple[Declaration, ...]:
    # pulumi.Input names Output by a forward reference that pulumi.output's namespace resolves.
    hints = typing.get_type_hints(PrefectEcsPlatformArgs, localns=vars(pulumi.output))
    declared = []
    for item in dataclasses.fields(PrefectEcsPlatformArgs):
        usage: StackUsage | None = item.metadata.get(USAGE)
        if usage is None:
            if not special(item.name).python_only:
                raise TypeError(f"PrefectEcsPlatformArgs.{item.name}: no in_stack(...) and not python_only")
            continue
        kind, choices, optional = _shape(hints[item.name])
        # A dataclass is read from its map by pydantic, which validates stdlib dataclasses as models.
        model_type = hints[item.name] if _is_dataclass_hint(hints[item.name]) else None
        if item.default is not dataclasses.MISSING:
            default = item.default
        elif item.default_factory is not dataclasses.MISSING:
            default = item.default_factory()
        else:
            default = REQUIRED
        declared.append(
            Declaration(
                item.name, kind, _stack_default(default, kind, item.name, model_type), usage.example, usage.modes,
                choices, optional, model_type,
            )
        )  # fmt: skip
    return tuple(declared)


#: Stack keys that are not arguments: the stack program reads them into `deployments`.
STACK_ONLY: tuple[Declaration, ...] = (
    Declaration(
        "prefect_yaml", "string", "flows/prefect.yaml", "flows/prefect.yaml", component=False,
        text="Prefect's prefect.yaml whose deployments the stack creates, relative to the project; empty for none.",
    ),
    Declaration(
        "deployment_overrides", "map", {}, "{'*': {paused: true}}", component=False,
        model_type=dict[str, dict[str, Any]],
        text='Map of deployment name, or "*" for all, to {paused, schedules_active, cpu, memory, ui_owned}: '
        "per-stack changes to flows/prefect.yaml's deployments.",
    ),
)  # fmt: skip

DECLARATIONS: tuple[Declaration, ...] = (*_argument_declarations(), *STACK_ONLY)

#: Retired stack keys, with what replaced each.
RENAMED_KEYS = {to_camel(field): e.replaced_by for field, e in EXCEPTIONS.items() if e.replaced_by}
#: Stack keys read only through `Config.get_secret`.
SECRET_KEYS = tuple(d.key for d in DECLARATIONS if special(d.field).secret)
#: Declarations of the keys the stack file's model reads.
MODEL_KEYS = tuple(d for d in DECLARATIONS if not special(d.field).secret)
#: Model fields only worker mode reads (secrets are checked by the component's own rules).
WORKER_ONLY = tuple(d.field for d in MODEL_KEYS if d.modes == ("worker",))
