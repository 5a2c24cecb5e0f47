"""Input problems: what is wrong with one field, and the error that carries them all.

Every validator in this package returns a list of `Problem` instead of raising, so the component can
report every bad input at once and the dynamic provider's `check` can hand them to the engine as failures.
A problem names its field as the Python argument (`log_retention_days`); whoever read the input from
somewhere else (the stack file, a prefect.yaml) hands the error its `places`, which say how fields map to
what the user wrote (`logRetentionDays`). One formatter, `Problem.render`, writes every message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pulumi


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: The value of a problem whose input was not given at all: its message says "is required".
MISSING: object = _Missing()


def notation(value: object) -> str:
    """A value as the user writes it in YAML or on the command line: `true`, `'text'`, `[a, b]`, `{k: v}`."""
    if isinstance(value, pulumi.Output):
        return "an Output"
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {notation(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(notation(item) for item in value) + "]"
    # The engine hands whole numbers over as floats.
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def place_of(field: str, places: Mapping[str, str]) -> str:
    """Where the user wrote `field`: its own entry, else its longest mapped parent with the rest of its path."""
    if field in places:
        return places[field]
    parents = [p for p in places if field.startswith(p) and field[len(p) : len(p) + 1] in (".", "[")]
    if not parents:
        return field
    parent = max(parents, key=len)
    return places[parent] + field[len(parent) :]


@dataclass(frozen=True)
class Problem:
    """One rejected input: the field, the value given (or `MISSING`), and what would have been accepted."""

    field: str
    value: object
    allowed: str

    def render(self, places: Mapping[str, str] | None = None) -> str:
        places = places or {}
        place = place_of(self.field, places)
        # Other fields the reason names, `in backticks`, are named as the user wrote them too.
        allowed = re.sub(r"`([a-z_]+)`", lambda m: f"`{places.get(m[1], m[1])}`", self.allowed)
        if self.value is MISSING or self.value is None:
            return f"{place} is required; {allowed}"
        return f"{place}: {notation(self.value)} is not allowed; {allowed}"

    def __str__(self) -> str:
        return self.render()


class InvalidInputError(pulumi.RunError, ValueError):
    """Raised before any resource is created when one or more inputs are invalid.

    A `pulumi.RunError`: Pulumi's language host prints its message without a Python traceback.
    """

    def __init__(self, problems: Iterable[Problem], places: Mapping[str, str] | None = None) -> None:
        self.problems = list(problems)
        self.places = dict(places or {})
        # One mistake seen through several deployments (an override of "*") is said once.
        rendered = dict.fromkeys(p.render(self.places) for p in self.problems)
        lines = "\n".join(f"  - {line}" for line in rendered)
        super().__init__(f"invalid PrefectEcsPlatform input ({len(self.problems)} problem(s)):\n{lines}")


def repeated(field: str, values: Iterable[object], allowed: str) -> list[Problem]:
    """A problem for each entry of a list whose value was already seen: `field` is a template such as
    `"work_queues[{index}].name"`; unset values (None) are never repeats."""
    seen: list[object] = []
    problems = []
    for index, value in enumerate(values):
        if value is not None and value in seen:
            problems.append(Problem(field.format(index=index), value, allowed))
        seen.append(value)
    return problems


def raise_if_any(problems: Iterable[Problem], places: Mapping[str, str] | None = None) -> None:
    """Raise `InvalidInputError` when `problems` is not empty."""
    found = list(problems)
    if found:
        raise InvalidInputError(found, places)
