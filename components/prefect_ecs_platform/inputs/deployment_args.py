"""Flow deployments as code: what `PrefectEcsPlatformArgs.deployments` holds.

The fields mirror a prefect.yaml deployment (see `prefect_yaml.load_prefect_yaml`) minus what the platform
decides itself: the work pool, the image and the pull step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from prefect.utilities.slugify import slugify

#: Fields a team may leave to the Prefect UI (docs/ownership.md): set when the deployment is created, then
#: never reverted by `pulumi up`, also after `pulumi refresh`.
UiOwnedField = Literal["paused", "schedules_active"]
UI_OWNABLE: tuple[UiOwnedField, ...] = ("paused", "schedules_active")


@dataclass(frozen=True, kw_only=True)
class ScheduleArgs:
    """One schedule of a deployment: exactly one of `cron`, `interval` or `rrule`."""

    cron: str | None = None
    """A cron expression Prefect accepts, e.g. `"0 6 * * *"` (no random `R` or hashed `H` fields)."""
    interval: float | None = None
    """Seconds between runs; must be positive."""
    rrule: str | None = None
    """An iCalendar RRULE, e.g. `"FREQ=WEEKLY;BYDAY=MO"`."""
    timezone: str | None = None
    """IANA time zone the schedule is evaluated in, e.g. `"Europe/Berlin"`; UTC when absent."""
    active: bool = True
    """Whether the schedule creates runs; a paused schedule keeps its slug and settings."""
    slug: str | None = None
    """Identity of the schedule within its deployment; defaults to `<deployment-name>-<position>`."""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """Parameter values for runs of this schedule, over the deployment's `parameters`."""


@dataclass(frozen=True, kw_only=True)
class DeploymentArgs:
    """A Prefect deployment of one flow to the platform's ECS work pool."""

    name: str
    """Deployment name, unique across the platform's deployments."""
    entrypoint: str
    """`<path>.py:<function>` relative to the project root, e.g. `"flows/etl.py:etl"`."""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """Default parameter values; names and types must match the flow's signature."""
    schedules: Sequence[ScheduleArgs] = ()
    """Schedules that create runs; none means runs start only on demand."""
    job_variables: Mapping[str, Any] = field(default_factory=dict)
    """Overrides of the work pool's job template variables; `image`, `cpu` and `memory` are set by the platform."""
    cpu: int | None = None
    """Fargate CPU units (1024 = 1 vCPU) for this deployment's runs; with `memory`, or neither (pool default)."""
    memory: int | None = None
    """Fargate memory (MiB) for this deployment's runs; must pair with `cpu` as Fargate allows."""
    tags: Sequence[str] = ()
    """Tags on the deployment and its runs."""
    description: str | None = None
    """Shown in the Prefect UI."""
    paused: bool = False
    """A paused deployment keeps its schedules but creates no runs."""
    concurrency_limit: int | None = None
    """Most runs of this deployment at once; unlimited when absent."""
    work_queue_name: str | None = None
    """Work queue in the platform's pool; the pool's default queue when absent."""
    version: str | None = None
    """Free-form version label shown in the Prefect UI."""
    enforce_parameter_schema: bool = True
    """Have the Prefect server reject run parameters that do not match the flow's signature."""
    ui_owned: Sequence[UiOwnedField] = ()
    """Fields the Prefect UI owns after creation: `"paused"` (the deployment's paused state) and
    `"schedules_active"` (each schedule's active flag). `paused` and `ScheduleArgs.active` are then only the
    values the deployment is created with; a change in the UI is kept by `pulumi up`. The component sets
    the child deployment's `ignore_changes` from it (docs/ownership.md)."""

    def schedule_slug(self, position: int) -> str:
        """The slug of the schedule at `position`: its own, or one derived from this deployment's name.

        Derived slugs depend only on the name and position, so the same args give the same slugs on every run;
        give an explicit slug to keep a schedule's identity when schedules are reordered.
        """
        own = self.schedules[position].slug
        return own if own is not None else f"{slugify(self.name)}-{position}"
