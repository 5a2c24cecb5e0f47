"""What a deployment's entrypoint points at, read from the flow's source without importing it.

Importing a flow module would run its top-level code (and need its dependencies) on the machine that runs
`pulumi up`; parsing it does not. The parameter schema comes from Prefect's own
`parameter_schema_from_entrypoint`, so it is the schema `prefect deploy` would send.
"""

from __future__ import annotations

import ast
import builtins
import copy
import dataclasses
import functools
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from prefect.utilities.callables import parameter_schema_from_entrypoint


class EntrypointError(ValueError):
    """The entrypoint does not name a Prefect flow function in a readable file under the project root."""


@dataclass(frozen=True, kw_only=True)
class FlowSource:
    """A flow function found in source: its Prefect flow name and what its signature accepts."""

    function_name: str
    """The Python function's name, the part of the entrypoint after the colon."""
    flow_name: str
    """The name Prefect registers the flow under: `@flow(name=...)` or the function name with `-` for `_`."""
    accepts_any_keyword: bool
    """The function takes `**kwargs`, so any parameter name is accepted."""
    variadic_names: frozenset[str]
    """Names of `*args`/`**kwargs`, which Prefect's schema lists as parameters but no caller sets."""
    parameter_schema: dict[str, Any]
    """The parameter schema as Prefect computes and sends it (`parameter_openapi_schema` of a deployment)."""


def split_entrypoint(entrypoint: str) -> tuple[PurePosixPath, str]:
    """Split `"flows/etl.py:etl"` into the relative file path and the function name."""
    path, sep, function = entrypoint.rpartition(":")
    file = PurePosixPath(path)
    if not sep or not path or not function.isidentifier() or file.suffix != ".py":
        raise EntrypointError("'<relative path>.py:<function>', e.g. 'flows/etl.py:etl'")
    if file.is_absolute() or ".." in file.parts:
        raise EntrypointError("a path relative to the project root that stays inside it")
    return file, function


def _flow_decorator_names(module: ast.Module) -> tuple[set[str], set[str]]:
    """Names bound to `prefect.flow` and to the `prefect` module by the module's top-level imports."""
    flow_names: set[str] = set()
    module_names: set[str] = set()
    for node in module.body:
        if isinstance(node, ast.ImportFrom) and node.module == "prefect":
            flow_names.update(alias.asname or alias.name for alias in node.names if alias.name == "flow")
        elif isinstance(node, ast.Import):
            module_names.update(alias.asname or alias.name for alias in node.names if alias.name == "prefect")
    return flow_names, module_names


def _flow_decorator(
    function: ast.FunctionDef | ast.AsyncFunctionDef, flow_names: set[str], module_names: set[str]
) -> ast.expr | None:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Name) and target.id in flow_names:
            return decorator
        if (
            isinstance(target, ast.Attribute)
            and target.attr == "flow"
            and isinstance(target.value, ast.Name)
            and target.value.id in module_names
        ):
            return decorator
    return None


def _declared_flow_name(decorator: ast.expr, function_name: str) -> str:
    if isinstance(decorator, ast.Call):
        for keyword in decorator.keywords:
            if keyword.arg == "name":
                if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                    return keyword.value.value
                raise EntrypointError("@flow(name=...) as a string literal, readable without importing the module")
    # Prefect's own default (prefect.flows.Flow.__init__).
    return function_name.replace("_", "-")


def read_flow_source(entrypoint: str, project_root: Path) -> FlowSource:
    """Find the entrypoint's function at the top level of its file, check it is a Prefect flow, read its schema.

    Raises `EntrypointError` saying what the entrypoint must be.
    """
    file, function_name = split_entrypoint(entrypoint)
    path = (project_root / file).resolve()
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise EntrypointError(f"a file under the project root {project_root}; {file} does not exist") from exc
    except OSError as exc:
        raise EntrypointError(f"a readable Python file; {file}: {exc}") from exc
    # Many deployments often share one flow, and computing a schema takes tens of milliseconds.
    source = _read_flow_source(path, file, function_name, stat.st_mtime_ns, stat.st_size)
    # A copy the caller may edit; a JSON round trip, several times faster than deepcopy, as the schema is JSON.
    return dataclasses.replace(source, parameter_schema=json.loads(json.dumps(source.parameter_schema)))


@functools.lru_cache(maxsize=256)
def _read_flow_source(path: Path, file: PurePosixPath, function_name: str, _mtime_ns: int, _size: int) -> FlowSource:
    """The uncached read, keyed also on the file's modification time and size so an edit is seen."""
    try:
        module = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, UnicodeDecodeError, SyntaxError) as exc:
        raise EntrypointError(f"a readable Python file; {file}: {exc}") from exc
    function = next(
        (
            node
            for node in module.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function_name
        ),
        None,
    )
    if function is None:
        raise EntrypointError(f"a top-level function of {file}; it defines no {function_name!r}")
    decorator = _flow_decorator(function, *_flow_decorator_names(module))
    if decorator is None:
        raise EntrypointError(f"a Prefect flow; decorate {function_name!r} with @flow (from prefect import flow)")
    unknown = _unresolved_annotation_names(module, function)
    if unknown:
        name, parameter = unknown[0]
        raise EntrypointError(
            f"annotations that name something: {name!r} (parameter {parameter!r} of {function_name!r}) is not "
            f"imported, defined in {file} or a builtin; Prefect would drop it from the schema and every run fail"
        )
    variadic = [arg.arg for arg in (function.args.vararg, function.args.kwarg) if arg is not None]
    return FlowSource(
        function_name=function_name,
        flow_name=_declared_flow_name(decorator, function_name),
        accepts_any_keyword=function.args.kwarg is not None,
        variadic_names=frozenset(variadic),
        parameter_schema=_parameter_schema(path, function_name),
    )


def _module_names(module: ast.Module) -> set[str]:
    """Every name the module's top level binds: imports, definitions, assignments."""
    names: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _annotation_roots(annotation: ast.expr) -> list[str]:
    """The names an annotation starts from (`a.b[c]` -> a, c); string annotations are parsed, as Prefect does."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return []
    roots = []
    for node in ast.walk(annotation):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            roots += _annotation_roots(node)
        elif isinstance(node, ast.Name):
            roots.append(node.id)
    return roots


def _unresolved_annotation_names(
    module: ast.Module, function: ast.FunctionDef | ast.AsyncFunctionDef
) -> list[tuple[str, str]]:
    """(name, parameter) for each annotation name nothing binds; Literal's strings are values, not names."""
    known = _module_names(module) | set(dir(builtins))
    arguments = [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]
    found = []
    for argument in arguments:
        if argument.annotation is None:
            continue
        literal_free = _without_literal_values(argument.annotation)
        found += [(name, argument.arg) for name in _annotation_roots(literal_free) if name not in known]
    return found


def _without_literal_values(annotation: ast.expr) -> ast.expr:
    """The annotation with `Literal[...]`'s arguments removed: strings there are values."""

    class _Strip(ast.NodeTransformer):
        def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
            base = node.value
            name = base.attr if isinstance(base, ast.Attribute) else base.id if isinstance(base, ast.Name) else ""
            if name == "Literal":
                return base
            return self.generic_visit(node)

    return _Strip().visit(copy.deepcopy(annotation))


def _parameter_schema(path: Path, function_name: str) -> dict[str, Any]:
    # Prefect reads the path relative to the current directory; an absolute one keeps this independent of it.
    try:
        schema = parameter_schema_from_entrypoint(f"{path}:{function_name}")
    # Prefect evaluates the flow's annotations and defaults: any failure there is the flow's.
    except Exception as exc:
        raise EntrypointError(f"a flow Prefect can compute a parameter schema for: {exc}") from exc
    # Dumped the way `RunnerDeployment` sends it, so the stored schema matches what `prefect deploy` stores.
    return schema.model_dump(exclude_unset=True)
