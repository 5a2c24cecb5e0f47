"""Input problems: what is wrong with one field, and the error that carries them all.

Every validator in this package returns a list of `Problem` instead of raising, so the component can
report every bad input at once and the dynamic provider's `check` can hand them to the engine as failures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One rejected input: the field, the value given, and what would have been accepted."""

    field: str
    value: object
    allowed: str

    def __str__(self) -> str:
        return f"{self.field}: {self.value!r} is not allowed; {self.allowed}"


class InvalidInputError(ValueError):
    """Raised before any resource is created when one or more inputs are invalid."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid PrefectEcsPlatform input ({len(self.problems)} problem(s)):\n{lines}")


def raise_if_any(problems: Iterable[Problem]) -> None:
    """Raise `InvalidInputError` when `problems` is not empty."""
    found = list(problems)
    if found:
        raise InvalidInputError(found)
