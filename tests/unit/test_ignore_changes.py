"""The harness's port of the engine's `ignore_changes` matches Pulumi's own cases.

The cases are those of `TestIgnoreChanges` in pulumi/pulumi's pkg/resource/deploy/step_generator_test.go
(commit 1b5949891b3c), plus the paths docs/ownership.md tells users to write for a deployment.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.ignore_changes import PropertyPathError, parse_property_path, process_ignore_changes

PULUMI_CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], list[str]]] = [
    ("present in old and new sets", {"a": {"b": "foo"}}, {"a": {"b": "bar"}, "c": 42}, {"a": {"b": "foo"}, "c": 42},
     ["a.b"]),
    ("missing in new sets", {"a": {"b": "foo"}}, {"a": {}, "c": 42}, {"a": {"b": "foo"}, "c": 42}, ["a.b"]),
    ("quoted key", {"a": {"b": {"c": "foo"}}}, {"a": {"b": {"c": "bar"}}, "c": 42},
     {"a": {"b": {"c": "foo"}}, "c": 42}, ['a.b["c"]']),
    ("missing in old deletes", {}, {"a": {"b": "foo"}, "c": 42}, {"a": {}, "c": 42}, ["a.b"]),
    ("missing keys in old and new are ok", {}, {}, {}, ["a", "a.b", "a.c[0]"]),
    ("missing parent keys in only new", {"a": {"b": "foo"}}, {}, {}, ["a.b"]),
    ("arrays with different lengths",
     {"a": [{"b": "foo", "c": "bar"}, {"b": "bar", "c": "baz"}]},
     {"a": [{"b": "bar", "c": "bar"}, {"b": "qux", "c": "baz"}, {"b": "baz", "c": "qux"}]},
     {"a": [{"b": "foo", "c": "bar"}, {"b": "bar", "c": "baz"}, {"b": "baz", "c": "qux"}]}, ["a[*].b"]),
    ("shorter new array",
     {"a": [{"b": "foo", "c": "bar"}, {"b": "bar", "c": "baz"}]},
     {"a": [{"b": "bar", "c": "bar"}]},
     {"a": [{"b": "foo", "c": "bar"}]}, ["a[*].b"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("olds", "news", "expected", "paths"), [c[1:] for c in PULUMI_CASES], ids=[c[0] for c in PULUMI_CASES]
)
def test_pulumis_own_cases(
    olds: dict[str, Any], news: dict[str, Any], expected: dict[str, Any], paths: list[str]
) -> None:
    """Each of Pulumi's cases gives the inputs Pulumi's test expects."""
    assert process_ignore_changes(news, olds, paths)[0] == expected


def test_paths_parse_as_the_engine_parses_them() -> None:
    """Names, indexes, wildcards and quoted keys, as `resource.ParsePropertyPath` splits them."""
    assert parse_property_path("schedules[1].active") == ["schedules", 1, "active"]
    assert parse_property_path("schedules[*].active") == ["schedules", "*", "active"]
    assert parse_property_path('job_variables["cpu"]') == ["job_variables", "cpu"]
    with pytest.raises(PropertyPathError):
        parse_property_path("schedules[x]")


def test_one_schedules_active_keeps_its_old_value_and_nothing_else() -> None:
    """`schedules[1].active` puts back the second schedule's old flag and leaves its cron as the program has it."""
    olds = {"schedules": [{"slug": "a", "active": True}, {"slug": "b", "active": False, "cron": "0 6 * * *"}]}
    news = {"schedules": [{"slug": "a", "active": True}, {"slug": "b", "active": True, "cron": "0 7 * * *"}]}
    processed, invalid = process_ignore_changes(news, olds, ["schedules[1].active", "paused"])
    assert processed == {
        "schedules": [{"slug": "a", "active": True}, {"slug": "b", "active": False, "cron": "0 7 * * *"}]
    }
    assert invalid == []
    assert news["schedules"][1]["active"] is True


def test_a_schedule_added_by_the_program_is_reported_and_kept() -> None:
    """An index only the new inputs have cannot be reset: the engine reports the path and keeps the new value."""
    olds = {"schedules": [{"slug": "a", "active": False}]}
    news = {"schedules": [{"slug": "a", "active": True}, {"slug": "b", "active": True}]}
    processed, invalid = process_ignore_changes(news, olds, ["schedules[1].active", "schedules[*].active"])
    assert processed == {"schedules": [{"slug": "a", "active": False}, {"slug": "b", "active": True}]}
    assert invalid == ["schedules[1].active", "schedules[*].active"]
