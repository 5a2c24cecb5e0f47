"""What a new deployment costs on the wire against a real Prefect server, and the flow-id memory's safety net.

Requests are counted where httpx hands them to the network (its transport), so the CSRF handshake and any
request the provider repeats are counted too. An attempt Prefect's client retries by its own rule (408,
429, 502 or 503, or a dropped connection; SQLite answers 503 while another writer holds the database) is
kept apart: it is the server's transient answer, not a request the provider chose to make.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import httpx
import pytest

from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.resources.deployment import DeploymentProvider
from tests.support.provider_props import deployment_props

pytestmark = pytest.mark.server

#: The statuses `prefect.client.base.PrefectHttpxSyncClient.send` retries (no extra codes are set here).
RETRIED_STATUSES = frozenset({408, 429, 502, 503})


class Wire:
    """Requests sent, as 'METHOD /path' (the API prefix and ids left in), apart from retried attempts."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()
        self.retried: list[str] = []

    def clear(self) -> None:
        self.sent.clear()
        self.retried.clear()

    def total(self) -> int:
        return sum(self.sent.values())

    def __repr__(self) -> str:
        return f"sent {dict(self.sent)}, retried by Prefect's client {self.retried}"


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    recorded = Wire()
    original = httpx.HTTPTransport.handle_request

    def counting(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        key = f"{request.method} {urlparse(str(request.url)).path}"
        try:
            response = original(self, request)
        except httpx.TransportError as error:
            recorded.retried.append(f"{key} -> {type(error).__name__}")
            raise
        if response.status_code in RETRIED_STATUSES:
            recorded.retried.append(f"{key} -> {response.status_code}")
        else:
            recorded.sent[key] += 1
        return response

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", counting)
    return recorded


def test_a_new_deployment_of_a_known_flow_costs_two_requests(
    prefect_api_url: str, api: PrefectApi, pool: str, unique: str, wire: Wire
) -> None:
    """One read (to refuse a silent takeover) and one write; the flow is looked up and the CSRF token fetched
    once per process, not per deployment."""
    provider = DeploymentProvider()
    flow = f"counted-{unique}"
    created = [provider.create(deployment_props(prefect_api_url, f"d0-{unique}", flow, pool)).id]
    wire.clear()
    for index in range(1, 6):
        created.append(provider.create(deployment_props(prefect_api_url, f"d{index}-{unique}", flow, pool)).id)
    assert wire.total() == 2 * 5, wire
    assert sum(n for request, n in wire.sent.items() if request.startswith("GET ")) == 5, wire
    assert wire.sent["POST /api/deployments/"] == 5, wire
    for deployment_id in created:
        api.delete_deployment(deployment_id)
    api.delete_flow(api.read_flow_by_name(flow)["id"])


def test_a_flow_deleted_behind_the_providers_back_is_created_again(
    prefect_api_url: str, api: PrefectApi, pool: str, unique: str
) -> None:
    """The remembered flow id is stale once the flow is deleted in the UI: the create notices (409) and
    looks the flow up again, instead of failing."""
    provider = DeploymentProvider()
    flow = f"deleted-{unique}"
    first = provider.create(deployment_props(prefect_api_url, f"a-{unique}", flow, pool)).id
    flow_id = api.read_flow_by_name(flow)["id"]
    assert httpx.delete(f"{prefect_api_url}/flows/{flow_id}").status_code == 204
    second = provider.create(deployment_props(prefect_api_url, f"b-{unique}", flow, pool)).id
    stored = api.read_deployment(second)
    assert stored["flow_id"] == api.read_flow_by_name(flow)["id"] != flow_id
    assert first != second
    api.delete_deployment(second)
    api.delete_flow(stored["flow_id"])


def test_no_op_refresh_and_a_one_schedule_change_cost_what_they_need(
    prefect_api_url: str, api: PrefectApi, pool: str, unique: str, wire: Wire
) -> None:
    """A no-op diff sends nothing; a refresh reads once; changing one schedule reads the stored deployment
    (PATCH cannot delete schedules, and only stored ids and slugs tell what to send), patches it, and reads it
    back (PATCH answers 204 without a body, and outputs are what the server stores)."""
    provider = DeploymentProvider()
    props = deployment_props(prefect_api_url, f"n-{unique}", f"noop-{unique}", pool)
    created = provider.create(props)
    wire.clear()
    assert provider.diff(created.id, {**props, **(created.outs or {})}, props).changes is False
    assert wire.total() == 0, wire

    provider.read(created.id, {**props, **(created.outs or {})})
    assert dict(wire.sent) == {f"GET /api/deployments/{created.id}": 1}, wire

    wire.clear()
    changed = deployment_props(
        prefect_api_url,
        f"n-{unique}",
        f"noop-{unique}",
        pool,
        schedules=[{"slug": "hourly", "schedule": {"interval": 7200}}, *props["schedules"][1:]],
    )
    provider.update(created.id, {**props, **(created.outs or {})}, changed)
    assert dict(wire.sent) == {f"GET /api/deployments/{created.id}": 2, f"PATCH /api/deployments/{created.id}": 1}, wire
    api.delete_deployment(created.id)
    api.delete_flow(api.read_flow_by_name(f"noop-{unique}")["id"])


def test_parallel_creates_of_a_new_flow_look_it_up_once(
    prefect_api_url: str, api: PrefectApi, pool: str, unique: str, wire: Wire
) -> None:
    """The engine creates a flow's deployments at once: one thread looks the flow up (and creates it), the
    others wait for its id instead of each sending the same two requests."""
    provider = DeploymentProvider()
    flow = f"parallel-{unique}"
    props = [deployment_props(prefect_api_url, f"p{index}-{unique}", flow, pool) for index in range(6)]
    wire.clear()
    with ThreadPoolExecutor(6) as threads:
        created = [result.id for result in threads.map(provider.create, props)]
    assert wire.sent[f"GET /api/flows/name/{flow}"] == 1, wire
    assert wire.sent["POST /api/flows/"] == 1, wire
    assert wire.sent["POST /api/deployments/"] == 6, wire
    for deployment_id in created:
        api.delete_deployment(deployment_id)
    api.delete_flow(api.read_flow_by_name(flow)["id"])
