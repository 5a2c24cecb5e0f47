"""Acceptance tests for the Deployment provider (schedules included) against a real Prefect server."""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs_platform.prefect_api import NotFound, PrefectApi, PrefectApiError
from prefect_ecs_platform.resources.deployment import DeploymentProvider
from tests.support.provider_props import SCHEDULES, deployment_props

pytestmark = pytest.mark.server


def by_slug(deployment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["slug"]: s for s in deployment["schedules"]}


def test_deployment_lifecycle(prefect_api_url: str, api: PrefectApi, pool: str, unique: str) -> None:
    """A deployment walks create, read, no-op diff, in-place update by slug, replace and double delete."""
    provider = DeploymentProvider()
    flow = f"flow-{unique}"
    props = deployment_props(prefect_api_url, "nightly", flow, pool)
    assert provider.check({}, props).failures == []

    created = provider.create(props)
    stored = api.read_deployment(created.id)
    assert stored["work_pool_name"] == pool
    assert stored["job_variables"] == {"cpu": 1024}
    assert stored["global_concurrency_limit"]["limit"] == 2
    assert set(by_slug(stored)) == {"hourly", "daily", "weekly"}
    assert api.read_flow_by_name(flow)["id"] == stored["flow_id"]

    read = provider.read(created.id, created.outs or {})
    assert read.outs is not None
    assert read.outs["concurrency_limit"] == 2
    assert provider.diff(created.id, read.outs, props).changes is False
    reordered = {**props, "schedules": list(reversed(props["schedules"]))}
    assert provider.diff(created.id, read.outs, reordered).changes is False

    changed_schedules = [
        SCHEDULES[0],
        {"slug": "daily", "schedule": {"cron": "30 7 * * *"}, "parameters": {"who": "cron"}},
    ]
    changed = deployment_props(
        prefect_api_url, "nightly", flow, pool, schedules=changed_schedules, job_variables={"cpu": 2048}
    )
    diff = provider.diff(created.id, read.outs, changed)
    assert (diff.changes, diff.replaces) == (True, [])
    before = by_slug(stored)
    provider.update(created.id, read.outs, changed)
    after_update = api.read_deployment(created.id)
    after = by_slug(after_update)
    assert set(after) == {"hourly", "daily"}
    assert after["hourly"]["id"] == before["hourly"]["id"]
    assert after["hourly"]["schedule"]["anchor_date"] == before["hourly"]["schedule"]["anchor_date"]
    assert after["daily"]["id"] == before["daily"]["id"]
    assert after["daily"]["schedule"]["cron"] == "30 7 * * *"
    assert after_update["job_variables"] == {"cpu": 2048}

    outs = provider.read(created.id, created.outs or {}).outs or {}
    assert provider.diff(created.id, outs, changed).changes is False
    assert provider.diff(created.id, outs, {**changed, "flow_name": "other"}).replaces == ["flow_name"]
    renamed = {**changed, "name": "nightly-2"}
    assert provider.diff(created.id, outs, renamed).replaces == ["name"]
    replacement = provider.create(renamed)
    assert replacement.id != created.id
    provider.delete(created.id, outs)
    with pytest.raises(NotFound):
        api.read_deployment(created.id)

    api.delete_deployment(replacement.id)
    assert provider.read(replacement.id, replacement.outs or {}).id is None
    provider.delete(replacement.id, replacement.outs or {})
    provider.delete(replacement.id, replacement.outs or {})


def test_existing_deployment_is_not_taken_over(prefect_api_url: str, api: PrefectApi, pool: str, unique: str) -> None:
    """An upsert would silently adopt another stack's deployment: create refuses unless adoption is asked."""
    flow = f"flow-{unique}"
    flow_id, _ = api.ensure_flow(flow)
    theirs = api.upsert_deployment({"name": "shared", "flow_id": flow_id, "description": "prod"}, "setup")
    provider = DeploymentProvider()
    props = deployment_props(prefect_api_url, "shared", flow, pool)
    with pytest.raises(PrefectApiError, match=rf"deployment {flow}/shared.*adopt_existing=True"):
        provider.create(props)
    assert api.read_deployment(theirs["id"])["description"] == "prod"

    adopted = provider.create({**props, "adopt_existing": True})
    assert adopted.id == theirs["id"]
    assert api.read_deployment(theirs["id"])["work_pool_name"] == pool
    provider.delete(adopted.id, adopted.outs or {})


def test_failed_create_leaves_nothing_and_names_the_cron_error(
    prefect_api_url: str, api: PrefectApi, pool: str, unique: str
) -> None:
    """A 422 for a bad cron surfaces Prefect's message and removes the flow the create had made."""
    flow = f"flow-{unique}"
    bad = deployment_props(
        prefect_api_url, "broken", flow, pool, schedules=[{"slug": "x", "schedule": {"cron": "61 * * * *"}}]
    )
    with pytest.raises(PrefectApiError, match=r"deployment flow-\w+/broken: .*Invalid cron string") as raised:
        DeploymentProvider().create(bad)
    assert raised.value.status_code == 422
    with pytest.raises(NotFound):
        api.read_flow_by_name(flow)


def test_job_variables_are_validated_against_the_pool_on_update(
    prefect_api_url: str, api: PrefectApi, pool: str, unique: str
) -> None:
    """An update of job_variables alone still sends the pool, so the server rejects a bad value."""
    provider = DeploymentProvider()
    props = deployment_props(prefect_api_url, "validated", f"flow-{unique}", pool)
    created = provider.create(props)
    update = {k: v for k, v in props.items() if k != "work_pool_name"}
    update["job_variables"] = {"cpu": "lots"}
    with pytest.raises(PrefectApiError, match="'lots' is not valid"):
        provider.update(created.id, created.outs or {}, update)
    assert api.read_deployment(created.id)["job_variables"] == {"cpu": 1024}
    provider.delete(created.id, created.outs or {})


def test_check_reports_schedule_problems(prefect_api_url: str) -> None:
    """A bad cron, a schedule without slug and repeated slugs are check failures, not exceptions."""
    schedules = [
        {"slug": "a", "schedule": {"cron": "not a cron"}},
        {"schedule": {"interval": 60}},
        {"slug": "b", "schedule": {"interval": 60}},
        {"slug": "b", "schedule": {"interval": 120}},
    ]
    props = deployment_props(prefect_api_url, "x", "f", "p", schedules=schedules)
    reasons = [f.reason for f in DeploymentProvider().check({}, props).failures if f.property == "schedules"]
    assert any("Invalid cron string" in r for r in reasons)
    assert any("needs a 'slug'" in r for r in reasons)
    assert any("repeated: ['b']" in r for r in reasons)
