"""`ignore_changes` as Pulumi's engine applies it, for the engine-like harness (tests/support/engine.py).

Ported from pulumi/pulumi (read at commit 1b5949891b3c, August 2026):

- pkg/resource/deploy/step_generator.go, `continueStepsFromImport`: when the resource has old state, the
  new inputs pass through `processIgnoreChanges(inputs, old.Inputs, goal.IgnoreChanges)` first, and only
  the result goes to the provider's Check (`Olds: oldInputs, News: inputs`) and then to Diff, which gets old
  outputs. A new resource (no old state) is created from the program's inputs, ignore_changes or not.
- `processIgnoreChanges` copies the new inputs, parses each path (`resource.ParsePropertyPath`, an
  unparsable path is skipped) and calls `path.Reset(oldInputs, ignoredInputs)`; a path that fails is only
  reported ("cannot ignore changes in added or removed elements of the path").
- sdk/go/common/resource/properties_path.go: `parsePropertyPath` and `reset`, ported below case by case.
  A leaf key missing from the old inputs is deleted from the new ones; an index outside both arrays is
  fine, outside one of them a failure; `[*]` resets every element both arrays share, and fails when their
  lengths differ (after resetting the shared ones).

Secrets are not modelled: the harness hands the provider plain values, as the engine does for a provider
that does not accept secrets.

The SDK sends a resource's `ignore_changes` in RegisterResourceRequest.ignoreChanges, but Pulumi's
`MockResourceArgs` does not carry it to `Mocks.new_resource`. `recording_ignore_changes` wraps
`MockMonitor.RegisterResource` for the duration of an update and keeps, per thread, what the request being
answered asked for: the same list the engine would get from the same program.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pulumi.runtime.mocks import MockMonitor

_WILDCARD = "*"
_current = threading.local()


class PropertyPathError(ValueError):
    """A path `ParsePropertyPath` refuses; the engine skips such a path."""


def _quoted_key(path: str) -> tuple[str, str]:
    """`["key"]` at the start of `path`: the key (with `\\"` unescaped) and what follows the `]`."""
    key, i = [], 2
    while True:
        if i >= len(path):
            raise PropertyPathError("missing closing quote in property name")
        if path[i] == '"':
            i += 1
            break
        escaped = path[i] == "\\" and i + 1 < len(path) and path[i + 1] == '"'
        key.append('"' if escaped else path[i])
        i += 2 if escaped else 1
    if i >= len(path) or path[i] != "]":
        raise PropertyPathError("missing closing bracket in property access")
    return "".join(key), path[i + 1 :]


def _index(path: str) -> tuple[str | int, str]:
    """`[3]` or `[*]` at the start of `path`: the index and what follows the `]`."""
    end = path.find("]")
    if end == -1:
        raise PropertyPathError("missing closing bracket in array index")
    segment = path[1:end]
    if segment == _WILDCARD:
        return _WILDCARD, path[end + 1 :]
    try:
        return int(segment, 10), path[end + 1 :]
    except ValueError as exc:
        raise PropertyPathError(f"invalid array index: {segment!r}") from exc


def parse_property_path(path: str) -> list[str | int]:
    """`resource.ParsePropertyPath` (non-strict): `a.b[0]["c.d"][*]` -> ["a", "b", 0, "c.d", "*"]."""
    elements: list[str | int] = []
    if path.startswith("."):
        raise PropertyPathError("expected property path to start with a name or index")
    while path:
        element: str | int
        if path[0] == ".":
            path = path[1:]
            if not path:
                raise PropertyPathError("expected property path to end with a name or index")
            continue
        if path[0] == "[":
            element, path = _quoted_key(path) if path[1:2] == '"' else _index(path)
        else:
            end = next((i for i, c in enumerate(path) if c in ".["), len(path))
            element, path = path[:end], path[end:]
        elements.append(element)
    return elements


_MISSING = object()


def _reset_index(key: int, rest: list[str | int], old: Any, new: Any) -> bool:
    if key < 0:
        return False
    old_list, new_list = isinstance(old, list), isinstance(new, list)
    if not old_list or not new_list:
        # Neither an array: nothing to reset; only one of them: a path error.
        return not old_list and not new_list
    if not rest and key >= len(old) and key >= len(new):
        return True
    if key >= len(old) or key >= len(new):
        # Reset cannot add or remove array elements.
        return False
    if not rest:
        new[key] = copy.deepcopy(old[key])
        return True
    return _reset(rest, old[key], new[key])


def _reset_every_element(old: Any, new: Any) -> bool:
    if isinstance(new, dict):
        if isinstance(old, dict):
            new.clear()
            new.update(copy.deepcopy(old))
        return True
    if isinstance(new, list):
        if isinstance(old, list):
            new[: min(len(old), len(new))] = copy.deepcopy(old[: len(new)])
            return len(old) == len(new)
        return True
    return False


def _reset_all(rest: list[str | int], old: Any, new: Any) -> bool:
    if not rest:
        return _reset_every_element(old, new)
    if isinstance(old, dict) and isinstance(new, dict):
        return all(k in new and _reset(rest, v, new[k]) for k, v in old.items())
    if isinstance(old, list) and isinstance(new, list):
        # Elements both share are reset before a length mismatch fails the path, as in the Go loop.
        shared = all(_reset(rest, v, new[i]) for i, v in enumerate(old[: len(new)]))
        return shared and len(old) == len(new)
    return False


def _reset_key(key: str, rest: list[str | int], old: Any, new: Any) -> bool:
    if not rest:
        value = old.get(key, _MISSING) if isinstance(old, dict) else _MISSING
        if value is _MISSING:
            # Not in the old inputs: the ignored property is removed from the new ones.
            if isinstance(new, dict):
                new.pop(key, None)
            return True
        if not isinstance(new, dict):
            return False
        new[key] = copy.deepcopy(value)
        return True
    if not isinstance(old, dict) or not isinstance(new, dict):
        return not isinstance(old, dict) and not isinstance(new, dict)
    if key not in new:
        return key not in old
    # The Go code descends with a missing old value as null, which is neither an array nor an object.
    return _reset(rest, old.get(key), new[key])


def _reset(path: list[str | int], old: Any, new: Any) -> bool:
    """`PropertyPath.reset`: put `old`'s value at `path` into `new` (in place); False on a path failure."""
    if not path:
        return False
    key, rest = path[0], path[1:]
    if isinstance(key, int):
        return _reset_index(key, rest, old, new)
    if key == _WILDCARD:
        return _reset_all(rest, old, new)
    return _reset_key(key, rest, old, new)


def process_ignore_changes(
    inputs: dict[str, Any], old_inputs: dict[str, Any], ignore_changes: list[str]
) -> tuple[dict[str, Any], list[str]]:
    """`processIgnoreChanges`: the new inputs with each ignored path put back to its old value, and the
    paths that could not be (the engine prints them as info, and goes on)."""
    ignored = copy.deepcopy(inputs)
    invalid: list[str] = []
    for ignore_change in ignore_changes:
        try:
            path = parse_property_path(ignore_change)
        except PropertyPathError:
            continue
        if not _reset(path, old_inputs, ignored):
            invalid.append(ignore_change)
    return ignored, invalid


def requested_ignore_changes() -> list[str]:
    """The `ignore_changes` of the registration this thread is answering (see `recording_ignore_changes`)."""
    return list(getattr(_current, "ignore_changes", ()))


@contextmanager
def recording_ignore_changes() -> Iterator[None]:
    """While active, `requested_ignore_changes()` answers from the RegisterResource request in flight."""
    original = MockMonitor.RegisterResource

    def register(self: MockMonitor, request: Any) -> Any:
        _current.ignore_changes = list(request.ignoreChanges)
        try:
            return original(self, request)
        finally:
            _current.ignore_changes = []

    MockMonitor.RegisterResource = register  # type: ignore[method-assign]
    try:
        yield
    finally:
        MockMonitor.RegisterResource = original  # type: ignore[method-assign]
