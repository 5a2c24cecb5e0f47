"""Diff normalisation: desired values compare equal to what the Prefect server stores for them."""

from __future__ import annotations

from typing import Any

from prefect_ecs_platform.resources.normalise import (
    changed_schedules,
    numbers,
    same_deployment_schedule,
    same_schedule,
    stored_concurrency_limit,
    stored_schedules,
)


def test_integral_floats_from_grpc_become_ints_but_bools_stay() -> None:
    """Pulumi's Struct turns 1024 into 1024.0; normalisation turns it back and leaves True alone."""
    assert numbers({"cpu": 1024.0, "ratio": 0.5, "flag": True, "xs": [2.0]}) == {
        "cpu": 1024,
        "ratio": 0.5,
        "flag": True,
        "xs": [2],
    }


def test_interval_ignores_server_anchor_unless_one_was_asked() -> None:
    """An interval without anchor matches the stored one; with an anchor, the instants must agree."""
    stored = {"interval": 3600.0, "anchor_date": "2026-01-01T00:00:00Z", "timezone": "UTC"}
    assert same_schedule({"interval": 3600}, stored)
    assert same_schedule({"interval": 3600, "anchor_date": "2026-01-01T00:00:00+00:00"}, stored)
    assert not same_schedule({"interval": 3600, "anchor_date": "2026-01-02T00:00:00Z"}, stored)
    assert not same_schedule({"interval": 60}, stored)


def test_cron_defaults_match_stored_day_or_and_timezone() -> None:
    """A bare cron equals the stored one with day_or true and a null timezone, but not another timezone."""
    stored = {"cron": "0 6 * * *", "timezone": None, "day_or": True}
    assert same_schedule({"cron": "0 6 * * *"}, stored)
    assert same_schedule({"cron": "0 6 * * *", "timezone": "UTC"}, stored)
    assert not same_schedule({"cron": "0 6 * * *", "timezone": "Europe/Paris"}, stored)
    assert not same_schedule({"cron": "0 6 * * *", "day_or": False}, stored)


def test_rrule_ignores_injected_dtstart() -> None:
    """A bare rrule equals the stored one that gained a DTSTART line."""
    stored = {"rrule": "DTSTART:20200101T000000\nFREQ=DAILY", "timezone": "UTC"}
    assert same_schedule({"rrule": "FREQ=DAILY"}, stored)
    assert same_schedule({"rrule": "RRULE:FREQ=DAILY"}, stored)
    assert not same_schedule({"rrule": "DTSTART:20240101T000000\nFREQ=DAILY"}, stored)


def test_changed_schedules_ignores_order_and_lists_new_changed_and_removed_slugs() -> None:
    """Schedules are matched by slug: reordering is no change; edits, additions and removals are named."""
    stored: list[dict[str, Any]] = [
        {"slug": "a", "schedule": {"interval": 60.0, "anchor_date": "2026-01-01T00:00:00Z", "timezone": "UTC"}},
        {"slug": "b", "schedule": {"cron": "0 * * * *", "timezone": None, "day_or": True}, "active": True},
        {"slug": "c", "schedule": {"cron": "5 * * * *", "timezone": None, "day_or": True}},
    ]
    desired: list[dict[str, Any]] = [
        {"slug": "b", "schedule": {"cron": "0 * * * *"}},
        {"slug": "a", "schedule": {"interval": 60}},
        {"slug": "c", "schedule": {"cron": "5 * * * *"}},
    ]
    assert changed_schedules(desired, stored) == []
    edited: list[dict[str, Any]] = [
        {"slug": "b", "schedule": {"cron": "0 * * * *"}},
        {"slug": "a", "schedule": {"interval": 60}, "active": False},
        {"slug": "d", "schedule": {"cron": "5 * * * *"}},
    ]
    assert changed_schedules(edited, stored) == ["a", "c", "d"]


def test_concurrency_limit_reads_back_through_the_global_limit() -> None:
    """The server stores a deployment's limit as a global concurrency limit object."""
    assert stored_concurrency_limit({"concurrency_limit": None, "global_concurrency_limit": {"limit": 4}}) == 4
    assert stored_concurrency_limit({"concurrency_limit": None, "global_concurrency_limit": None}) is None


def test_an_unset_active_or_run_cap_leaves_the_servers_value_alone() -> None:
    """A PATCH keeps a schedule's active flag and max_scheduled_runs when they are not sent, so a schedule
    that leaves them unset is no change whatever the UI set; set, they are compared; unset parameters mean {}."""
    stored = {"slug": "a", "schedule": {"interval": 60.0}, "active": False, "max_scheduled_runs": 5, "parameters": {}}
    assert same_deployment_schedule({"slug": "a", "schedule": {"interval": 60}}, stored)
    assert not same_deployment_schedule({"slug": "a", "schedule": {"interval": 60}, "active": True}, stored)
    assert not same_deployment_schedule({"slug": "a", "schedule": {"interval": 60}, "max_scheduled_runs": 3}, stored)
    assert not same_deployment_schedule({"slug": "a", "schedule": {"interval": 60}}, {**stored, "parameters": {"x": 1}})


def test_stored_schedules_follow_the_order_of_the_input() -> None:
    """Outputs list schedules in input order, so `schedules[i]` names one schedule in inputs and outputs;
    schedules only the server has come last, by slug."""
    deployment: dict[str, Any] = {
        "schedules": [{"slug": s, "schedule": {}, "active": True} for s in ("b", "x", "a", "c")]
    }
    assert [s["slug"] for s in stored_schedules(deployment, ["c", "a", "b"])] == ["c", "a", "b", "x"]
    assert [s["slug"] for s in stored_schedules(deployment)] == ["a", "b", "c", "x"]
