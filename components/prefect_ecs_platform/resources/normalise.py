"""Normalisation for diffs: compare what the program asks for with what the Prefect server stored.

The server rewrites what it stores: interval schedules become float seconds and gain an anchor date,
rrules gain a DTSTART, crons gain day_or, schedule order is lost, and a deployment's concurrency limit
reads back through `global_concurrency_limit`. Pulumi's gRPC layer also turns every integer into a float.
Comparing raw values would report a change on every `pulumi up`; these functions compare meaning instead.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pulumi.runtime.rpc import UNKNOWN


def numbers(value: Any) -> Any:
    """Recursively turn integral floats into ints (Pulumi's Struct encoding makes every number a float)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [numbers(v) for v in value]
    return value


def contains_unknown(value: Any) -> bool:
    """Whether `value` holds a value Pulumi does not know yet (during preview), at any depth."""
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknown(v) for v in value)
    return False


def set_fields(props: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields of `props` that are set (not None), numbers normalised: what a request body carries."""
    return {f: numbers(props[f]) for f in fields if props.get(f) is not None}


def same_value(desired: Any, stored: Any) -> bool:
    """Equality after number normalisation; dict key order never matters."""
    return bool(numbers(desired) == numbers(stored))


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # A naive anchor is read by Prefect in the schedule's timezone; UTC is its default.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rrule_lines(rrule: str, *, keep_dtstart: bool) -> list[str]:
    lines = [line.strip().removeprefix("RRULE:") for line in rrule.splitlines() if line.strip()]
    return [line for line in lines if keep_dtstart or not line.startswith("DTSTART")]


def same_schedule(desired: dict[str, Any], stored: dict[str, Any]) -> bool:
    """Whether a desired schedule (interval, cron or rrule) means the one the server stored."""
    want = numbers(desired)
    have = numbers(stored)
    # Prefect stores a missing timezone as null (cron) or "UTC" (interval, rrule): both mean UTC.
    if (want.get("timezone") or "UTC") != (have.get("timezone") or "UTC"):
        return False
    if "interval" in want:
        if "anchor_date" in want and _instant(want["anchor_date"]) != _instant(have.get("anchor_date")):
            return False
        return bool(have.get("interval") == want["interval"])
    if "cron" in want:
        return bool(have.get("cron") == want["cron"] and have.get("day_or", True) == want.get("day_or", True))
    if "rrule" in want:
        # The server injects a DTSTART into a bare rrule: only compare it when the program set one.
        keep = "DTSTART" in str(want["rrule"])
        return _rrule_lines(str(have.get("rrule", "")), keep_dtstart=keep) == _rrule_lines(
            str(want["rrule"]), keep_dtstart=keep
        )
    return bool(want == have)


#: What the server stores for a schedule key a PATCH leaves out: it resets `parameters` (its update model
#: defaults them to {}), so an unset value means the default.
SCHEDULE_DEFAULTS: dict[str, Any] = {"parameters": {}}
#: Schedule keys a PATCH leaves alone when they are not sent (the server drops None values): unset means the
#: server's (or the UI's) value stays, as for any other unset input.
SCHEDULE_KEPT_WHEN_UNSET = ("active", "max_scheduled_runs")


def same_deployment_schedule(desired: dict[str, Any], stored: dict[str, Any]) -> bool:
    """Whether one desired deployment schedule (with slug) equals the stored one, defaults filled in."""
    for key, default in SCHEDULE_DEFAULTS.items():
        want = desired.get(key)
        if not same_value(default if want is None else want, stored.get(key, default)):
            return False
    for key in SCHEDULE_KEPT_WHEN_UNSET:
        if desired.get(key) is not None and not same_value(desired[key], stored.get(key)):
            return False
    return same_schedule(dict(desired.get("schedule") or {}), dict(stored.get("schedule") or {}))


def changed_schedules(desired: list[dict[str, Any]], stored: list[dict[str, Any]]) -> list[str]:
    """Slugs whose schedule is new or differs, plus stored slugs no longer desired; order never matters."""
    stored_by_slug = {s.get("slug"): s for s in stored}
    desired_slugs = {d.get("slug") for d in desired}
    changed = [
        str(d.get("slug"))
        for d in desired
        if d.get("slug") not in stored_by_slug or not same_deployment_schedule(d, stored_by_slug[d.get("slug")])
    ]
    changed += [str(slug) for slug in stored_by_slug if slug not in desired_slugs]
    return sorted(changed)


def stored_schedules(deployment: dict[str, Any], order: list[Any] | None = None) -> list[dict[str, Any]]:
    """A deployment's schedules as outputs: the fields a program sets, in the order of the slugs in `order`.

    The server does not keep schedule order. Outputs follow the order of the `schedules` input instead, so an
    `ignore_changes` path such as `schedules[1].active` names the same schedule in inputs, outputs and the
    inputs a refresh rebuilds from outputs. Stored schedules whose slug `order` lacks follow, sorted by slug.
    """
    keep = ("slug", "schedule", "active", "max_scheduled_runs", "parameters")
    schedules = [{k: s.get(k) for k in keep} for s in deployment.get("schedules") or []]
    position = {slug: index for index, slug in enumerate(order or [])}
    return sorted(schedules, key=lambda s: (position.get(s.get("slug"), len(position)), str(s.get("slug"))))


def stored_concurrency_limit(deployment: dict[str, Any]) -> int | None:
    """The deployment's concurrency limit, which the server keeps in a global concurrency limit object."""
    if deployment.get("concurrency_limit") is not None:
        return int(deployment["concurrency_limit"])
    limit = (deployment.get("global_concurrency_limit") or {}).get("limit")
    return None if limit is None else int(limit)
