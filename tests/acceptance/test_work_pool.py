"""Acceptance tests for the WorkPool provider against a real Prefect server."""

from __future__ import annotations

import pytest

from prefect_ecs_platform.prefect_api import NotFound, PrefectApi, PrefectApiError
from prefect_ecs_platform.resources.normalise import numbers
from prefect_ecs_platform.resources.work_pool import WorkPoolProvider
from tests.support.provider_props import ecs_template, pool_props

pytestmark = pytest.mark.server


def test_work_pool_lifecycle(prefect_api_url: str, api: PrefectApi, unique: str) -> None:
    """A pool walks create, read, no-op diff, in-place update, replace, outside delete and double delete."""
    provider = WorkPoolProvider()
    props = pool_props(prefect_api_url, f"pool-{unique}")
    assert provider.check({}, props).failures == []

    created = provider.create(props)
    stored = api.read_work_pool(f"pool-{unique}")
    assert created.id == stored["id"]
    assert stored["type"] == "ecs"
    assert stored["concurrency_limit"] == 3
    assert stored["base_job_template"]["variables"]["properties"]["cpu"]["default"] == 1024

    read = provider.read(created.id, created.outs or {})
    assert read.id == created.id
    assert read.outs is not None
    assert numbers(read.outs["base_job_template"]) == numbers(props["base_job_template"])
    assert provider.diff(created.id, read.outs, props).changes is False

    changed = pool_props(
        prefect_api_url, f"pool-{unique}", description="edited", base_job_template=ecs_template(cpu=2048)
    )
    diff = provider.diff(created.id, read.outs, changed)
    assert (diff.changes, diff.replaces) == (True, [])
    updated = provider.update(created.id, read.outs, changed)
    stored = api.read_work_pool(f"pool-{unique}")
    assert stored["id"] == created.id
    assert stored["description"] == "edited"
    assert stored["base_job_template"]["variables"]["properties"]["cpu"]["default"] == 2048
    assert updated.outs is not None
    assert updated.outs["concurrency_limit"] == 3

    renamed = pool_props(prefect_api_url, f"pool-{unique}-b")
    assert provider.diff(created.id, updated.outs, renamed).replaces == ["name"]
    replacement = provider.create(renamed)
    assert replacement.id != created.id
    provider.delete(created.id, updated.outs)
    with pytest.raises(NotFound):
        api.read_work_pool(f"pool-{unique}")

    api.delete_work_pool(f"pool-{unique}-b")
    assert provider.read(replacement.id, replacement.outs or {}).id is None
    provider.delete(replacement.id, replacement.outs or {})
    provider.delete(replacement.id, replacement.outs or {})


def test_type_change_replaces_deleting_first(prefect_api_url: str, unique: str) -> None:
    """A new pool type under the same name is a replacement that deletes first, since names are unique."""
    provider = WorkPoolProvider()
    olds = pool_props(prefect_api_url, f"pool-{unique}")
    diff = provider.diff("id", olds, pool_props(prefect_api_url, f"pool-{unique}", type="ecs:push"))
    assert (diff.replaces, diff.delete_before_replace) == (["type"], True)


def test_refresh_shows_drift_made_outside(prefect_api_url: str, api: PrefectApi, unique: str) -> None:
    """A CPU default edited outside Pulumi shows in read and makes the next diff report a change."""
    provider = WorkPoolProvider()
    props = pool_props(prefect_api_url, f"pool-{unique}")
    created = provider.create(props)
    api.update_work_pool(f"pool-{unique}", {"base_job_template": ecs_template(cpu=4096)})

    read = provider.read(created.id, created.outs or {})
    assert read.outs is not None
    assert read.outs["base_job_template"]["variables"]["properties"]["cpu"]["default"] == 4096
    assert provider.diff(created.id, read.outs, props).changes is True
    provider.delete(created.id, read.outs)


def test_existing_pool_is_not_taken_over(prefect_api_url: str, api: PrefectApi, unique: str) -> None:
    """Creating over a pool made outside this stack fails naming it and leaves that pool untouched."""
    api.create_work_pool({"name": f"pool-{unique}", "type": "ecs", "description": "someone else's"})
    provider = WorkPoolProvider()
    with pytest.raises(PrefectApiError, match=rf"work pool 'pool-{unique}'.*adopt_existing=True"):
        provider.create(pool_props(prefect_api_url, f"pool-{unique}"))
    assert api.read_work_pool(f"pool-{unique}")["description"] == "someone else's"

    adopted = provider.create(pool_props(prefect_api_url, f"pool-{unique}", adopt_existing=True))
    stored = api.read_work_pool(f"pool-{unique}")
    assert (adopted.id, stored["description"]) == (stored["id"], "acceptance pool")
    provider.delete(adopted.id, adopted.outs or {})


def test_check_reports_bad_inputs_without_raising() -> None:
    """Reserved names, templates missing a section, negative limits and bad URLs come back as failures."""
    props = pool_props("localhost:4200", "prefect-pool", base_job_template={"variables": {}}, concurrency_limit=-1)
    failures = {f.property: f.reason for f in WorkPoolProvider().check({}, props).failures}
    assert set(failures) == {"name", "base_job_template", "concurrency_limit", "api_url"}
    assert 'Prefect reserves names starting with "prefect"' in failures["name"]
    assert "'job_configuration' and 'variables'" in failures["base_job_template"]
    # The same rules as the component's: a workspace URL or a server URL ending in /api.
    assert "ending in /api" in failures["api_url"]
