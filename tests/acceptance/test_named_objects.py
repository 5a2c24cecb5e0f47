"""Acceptance tests for the work queue, global concurrency limit and variable providers against a real Prefect
server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from prefect_ecs_platform.prefect_api import NotFound, PrefectApi, PrefectApiError
from prefect_ecs_platform.resources.concurrency_limit import ConcurrencyLimitProvider
from prefect_ecs_platform.resources.named_object import NamedObjectProvider
from prefect_ecs_platform.resources.variable import VariableProvider
from prefect_ecs_platform.resources.work_queue import WorkQueueProvider
from tests.support.engine_values import as_grpc

pytestmark = pytest.mark.server


def limit_props(api_url: str, name: str, **overrides: Any) -> dict[str, Any]:
    props = {"name": name, "limit": 4, "active": True, "slot_decay_per_second": 0.5, "api_url": api_url}
    return as_grpc({**props, "adopt_existing": False, **overrides})


def variable_props(api_url: str, name: str, **overrides: Any) -> dict[str, Any]:
    props = {"name": name, "value": {"warehouse": "eu", "batch": 500}, "tags": ["etl"], "api_url": api_url}
    return as_grpc({**props, "adopt_existing": False, **overrides})


#: The pool the queues of these tests live in (made by `_queue_pool`).
QUEUE_POOL = "named-objects-queues"


def queue_props(api_url: str, name: str, **overrides: Any) -> dict[str, Any]:
    props = {
        "name": name,
        "work_pool_name": QUEUE_POOL,
        "description": "etl runs",
        "is_paused": False,
        "concurrency_limit": 3,
        "priority": 1,
        "api_url": api_url,
    }
    # The queue's own priority is the stack's: the provider puts it back to what this map says.
    order = {"pool_priorities": {name: overrides.get("priority", 1)}}
    return as_grpc({**props, **order, "adopt_existing": False, **overrides})


@pytest.fixture(scope="module", autouse=True)
def _queue_pool(prefect_api_url: str) -> Iterator[None]:
    with PrefectApi(prefect_api_url) as api:
        api.create_work_pool({"name": QUEUE_POOL, "type": "process"})
        yield
        api.delete_work_pool(QUEUE_POOL)


KINDS: dict[str, tuple[type[NamedObjectProvider], Callable[..., dict[str, Any]], str, dict[str, Any]]] = {
    "concurrency limit": (ConcurrencyLimitProvider, limit_props, "/v2/concurrency_limits", {"limit": 9}),
    "variable": (VariableProvider, variable_props, "/variables", {"value": ["a", 1, None], "tags": []}),
    "work queue": (
        WorkQueueProvider,
        queue_props,
        "/work_queues",
        {"concurrency_limit": None, "description": "changed", "is_paused": True, "priority": 2},
    ),
}


def _stored(api: PrefectApi, route: str, id_: str) -> dict[str, Any]:
    return api.read(f"{route}/{id_}", "object")


@pytest.mark.parametrize("kind", KINDS)
def test_lifecycle(prefect_api_url: str, api: PrefectApi, unique: str, kind: str) -> None:
    """Create, read, no-op diff, in-place update, replace on a new name, outside delete and double delete."""
    provider_type, props_of, route, change = KINDS[kind]
    provider: NamedObjectProvider = provider_type()
    name = f"obj_{unique}"
    props = props_of(prefect_api_url, name)
    assert provider.check({}, props).failures == []

    created = provider.create(props)
    stored = _stored(api, route, created.id)
    assert stored["name"] == name
    read = provider.read(created.id, created.outs or {})
    assert read.id == created.id
    assert read.outs is not None
    assert provider.diff(created.id, read.outs, props).changes is False

    changed = props_of(prefect_api_url, name, **change)
    diff = provider.diff(created.id, read.outs, changed)
    assert (diff.changes, diff.replaces) == (True, [])
    updated = provider.update(created.id, read.outs, changed)
    stored = _stored(api, route, created.id)
    for field, value in change.items():
        assert stored[field] == value
    assert updated.outs is not None
    assert provider.diff(created.id, updated.outs, changed).changes is False

    renamed = props_of(prefect_api_url, f"{name}_b")
    diff = provider.diff(created.id, updated.outs, renamed)
    assert (diff.replaces, diff.delete_before_replace) == (["name"], False)
    replacement = provider.create(renamed)
    provider.delete(created.id, updated.outs)
    with pytest.raises(NotFound):
        _stored(api, route, created.id)

    api.remove(f"{route}/{replacement.id}", "object")
    assert provider.read(replacement.id, replacement.outs or {}).id is None
    provider.delete(replacement.id, replacement.outs or {})
    provider.delete(replacement.id, replacement.outs or {})


def test_a_concurrency_limit_update_leaves_the_taken_slots(prefect_api_url: str, api: PrefectApi, unique: str) -> None:
    """A new limit is PATCHed without `active_slots`: slots running flows hold stay taken."""
    provider = ConcurrencyLimitProvider()
    created = provider.create(limit_props(prefect_api_url, f"slots-{unique}"))
    api.request("POST", "/v2/concurrency_limits/increment", "slots", json={"names": [f"slots-{unique}"], "slots": 2})
    provider.update(created.id, created.outs or {}, limit_props(prefect_api_url, f"slots-{unique}", limit=6))
    stored = _stored(api, "/v2/concurrency_limits", created.id)
    assert (stored["limit"], stored["active_slots"]) == (6, 2)
    provider.delete(created.id, created.outs or {})


@pytest.mark.parametrize("kind", KINDS)
def test_refresh_shows_drift_made_outside(prefect_api_url: str, api: PrefectApi, unique: str, kind: str) -> None:
    provider_type, props_of, route, change = KINDS[kind]
    provider: NamedObjectProvider = provider_type()
    props = props_of(prefect_api_url, f"drift_{unique}")
    created = provider.create(props)
    api.request("PATCH", f"{route}/{created.id}", "object", json=change)
    read = provider.read(created.id, created.outs or {})
    assert read.outs is not None
    assert {field: read.outs[field] for field in change} == change
    assert provider.diff(created.id, read.outs, props).changes is True
    provider.delete(created.id, read.outs)


@pytest.mark.parametrize("kind", KINDS)
def test_an_existing_object_is_not_taken_over(prefect_api_url: str, api: PrefectApi, unique: str, kind: str) -> None:
    """One of that name made outside this stack is refused by name and left as it was; adopted only when asked."""
    provider_type, props_of, route, change = KINDS[kind]
    provider: NamedObjectProvider = provider_type()
    name = f"theirs_{unique}"
    props = props_of(prefect_api_url, name)
    theirs, _ = api.request("POST", provider.create_path(props), "object", json={**provider.body(props), **change})
    with pytest.raises(PrefectApiError, match=rf"{name}'.*adopt_existing=True"):
        provider.create(props_of(prefect_api_url, name))
    assert {field: _stored(api, route, theirs["id"])[field] for field in change} == change

    adopted = provider.create(props_of(prefect_api_url, name, adopt_existing=True))
    assert adopted.id == theirs["id"]
    assert provider.diff(adopted.id, adopted.outs or {}, props_of(prefect_api_url, name)).changes is False
    provider.delete(adopted.id, adopted.outs or {})


def test_check_reports_what_prefect_refuses() -> None:
    """Banned characters and a negative limit; a variable name Prefect refuses and an oversized value."""
    limit = ConcurrencyLimitProvider().check({}, limit_props("http://x/api", "a/b", limit=-1)).failures
    assert {failure.property for failure in limit} == {"name", "limit"}
    variable = VariableProvider().check({}, variable_props("http://x/api", "Not OK", value="x" * 6000)).failures
    reasons = {failure.property: failure.reason for failure in variable}
    assert set(reasons) == {"name", "value"}
    assert "lowercase letters, numbers, and dashes or underscores" in reasons["name"]
    assert "less than 5000 characters" in reasons["value"]
