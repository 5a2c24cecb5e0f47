"""Prefect objects a platform team keeps beside its deployments: work queues, global concurrency limits and
variables.

A stack file writes each kind as a list of maps with camelCase fields (`concurrencyLimits: [{name: warehouse,
limit: 4, slotDecayPerSecond: 0.5}]`); pydantic reads each map into these dataclasses (`__pydantic_config__`).
The lists arrive as JSON, so the fields are strict: `limit: "4"` is a mistake, not 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict, StrictBool, StrictFloat, StrictInt, StrictStr
from pydantic.alias_generators import to_camel

_CONFIG = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


@dataclass(frozen=True, kw_only=True)
class WorkQueueArgs:
    """A work queue of the stack's pool: deployments name it (`work_queue_name`), workers poll queues in order of
    priority, and a concurrency limit caps how many of its runs are in flight."""

    __pydantic_config__ = _CONFIG

    name: StrictStr
    """The queue's name, which deployments give as `work_queue_name`; a change replaces the queue."""

    priority: StrictInt | None = None
    """1 is polled first; unique among the stack's queues. Queues without one come after those with one, in the
    order listed (docs/prefect-objects.md says who owns priorities)."""

    concurrency_limit: StrictInt | None = None
    """How many of the queue's flow runs may be in flight at once, 0 or more; none for no limit."""

    description: StrictStr = ""
    """Shown with the queue in the UI."""

    paused: StrictBool = False
    """A paused queue hands no runs to workers; its scheduled runs wait."""


@dataclass(frozen=True, kw_only=True)
class ConcurrencyLimitArgs:
    """A global concurrency limit, for flows that take its slots with `prefect.concurrency.sync.concurrency`
    (or `rate_limit`)."""

    __pydantic_config__ = _CONFIG

    name: StrictStr
    """The limit's name, which flow code passes to `concurrency(...)`; a change replaces the limit."""

    limit: StrictInt
    """How many slots may be taken at once, 0 or more."""

    slot_decay_per_second: StrictFloat | StrictInt = 0
    """Slots freed per second while the limit is used as a rate limit (`rate_limit(...)`); 0 for none."""

    active: StrictBool = True
    """An inactive limit lets every caller through."""


@dataclass(frozen=True, kw_only=True)
class VariableArgs:
    """A Prefect variable, for flows that read it with `prefect.variables.Variable.get(...)`."""

    __pydantic_config__ = _CONFIG

    name: StrictStr
    """The variable's name: lowercase letters, digits, dashes and underscores; a change replaces it."""

    value: Any
    """Any JSON value (a string, number, boolean, list or map), at most 5000 characters as JSON."""

    tags: Sequence[StrictStr] = ()
    """Tags shown with the variable in the UI."""
