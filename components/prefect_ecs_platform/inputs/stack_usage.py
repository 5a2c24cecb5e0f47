"""How a component argument appears in a stack file: the example the docs show and the modes it applies to.

A field of `PrefectEcsPlatformArgs` carries it as `dataclasses.field` metadata, beside its type, its default
and its docstring, so an argument is declared in one place; `declarations.py` reads the four together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ModeName = Literal["push", "worker"]
BOTH: tuple[ModeName, ...] = ("push", "worker")
WORKER: tuple[ModeName, ...] = ("worker",)
#: The metadata key of a field's `StackUsage`.
USAGE = "prefect_ecs_platform.stack_usage"


@dataclass(frozen=True)
class StackUsage:
    example: str
    modes: tuple[ModeName, ...] = BOTH


def in_stack(example: str, modes: tuple[ModeName, ...] = BOTH) -> dict[str, StackUsage]:
    """The metadata of a field a stack file sets: `field(default=..., metadata=in_stack("1024", WORKER))`."""
    return {USAGE: StackUsage(example, modes)}
