"""The hosted server behind a stand-in for its CloudFront distribution (issue 28): the server's registered
container definition on TLS PostgreSQL (tests/support/server_process.py), and in front of it the loopback proxy
of tests/support/cloudfront_proxy.py, which forwards all viewer headers (AllViewer), caches nothing
(CachingDisabled) and relays WebSockets. Through it, with the stack's auth string, Pulumi's provider host
creates a work pool, the `prefect` CLI lists it, the UI and its settings are served, and Prefect's own events
client streams an event into /api/events/in; without the auth string each of these is refused.

CloudFront's own behaviour is stood in for, not run: no TLS or HTTP-to-HTTPS redirect, no edge, no VPC origin
network path, and no header handling beyond what the proxy models (see its docstring and docs/hosted-server.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from prefect.events import Event, Resource
from prefect.events.clients import PrefectEventsClient
from prefect.settings import (
    PREFECT_API_AUTH_STRING,
    PREFECT_API_URL,
    PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED,
    temporary_settings,
)
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from prefect_ecs_platform.inputs.job_variables import default_ecs_template
from prefect_ecs_platform.prefect_api.request_bodies import work_pool_body
from prefect_ecs_platform.resources import WorkPoolProvider
from tests.support import postgres as test_postgres
from tests.support.cloudfront_proxy import RunningProxy, running_cloudfront_proxy
from tests.support.private_loop import run_in_private_loop
from tests.support.provider_host import from_struct, running_provider_host, to_struct
from tests.support.server_process import HostedServer, registered_server_running, server_definition

pytestmark = pytest.mark.server

#: The policy-violation close code Prefect's server closes an unauthenticated socket with.
POLICY_VIOLATION = 1008
EVENT_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Behind:
    server: HostedServer
    proxy: RunningProxy

    @property
    def api_url(self) -> str:
        """The API as a viewer reaches it: through the distribution."""
        return f"{self.proxy.url}/api"


@pytest.fixture(scope="module")
def behind(database: test_postgres.Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Behind]:
    with (
        registered_server_running(database, tmp_path_factory.mktemp("server-behind-cloudfront")) as server,
        running_cloudfront_proxy(server.api_url.removesuffix("/api")) as proxy,
    ):
        yield Behind(server, proxy)


def _pool_news(name: str, api_url: str, **extra: Any) -> dict[str, Any]:
    provider, _ = _serialize(True, serialize_provider, WorkPoolProvider())
    body = work_pool_body(name, "ecs", default_ecs_template())
    return {"__provider": provider, **body, "api_url": api_url, "adopt_existing": False, **extra}


def _urn(name: str) -> str:
    return f"urn:pulumi:hosted::prefect-ecs-platform::pulumi-python:dynamic/prefect:WorkPool::{name}"


def _check_and_create(news: dict[str, Any]) -> provider_pb2.CreateResponse:
    """Check then Create through Pulumi's real provider host, as the engine sends them for a new pool."""
    with running_provider_host() as host:
        urn = _urn(news["name"])
        check = host.Check(provider_pb2.CheckRequest(urn=urn, olds=to_struct({}), news=to_struct(news)))
        assert [(f.property, f.reason) for f in check.failures] == []
        created: provider_pb2.CreateResponse = host.Create(provider_pb2.CreateRequest(urn=urn, properties=check.inputs))
        return created


@pytest.fixture(scope="module")
def pool(behind: Behind) -> str:
    """A work pool created by the provider host through the proxy, the auth string its `api_auth_string` input."""
    name = f"cf-{uuid.uuid4().hex[:8]}"
    created = _check_and_create(_pool_news(name, behind.api_url, api_auth_string=behind.server.auth_string))
    assert behind.server.auth_string not in json.dumps(from_struct(created.properties))
    stored = httpx.get(f"{behind.server.api_url}/work_pools/{name}", headers=behind.server.headers)
    assert stored.status_code == 200, stored.text
    assert stored.json()["id"] == created.id
    return name


def test_the_provider_host_creates_a_pool_through_the_proxy_with_the_auth_string(behind: Behind, pool: str) -> None:
    """The pool is on the server, and its requests went through the proxy carrying the auth string."""
    assert any(r.startswith("POST /api/work_pools/") for r in behind.proxy.seen.requests)
    answer = httpx.get(f"{behind.api_url}/work_pools/{pool}", headers=behind.server.headers)
    assert (answer.status_code, answer.json()["name"]) == (200, pool)


def test_without_the_auth_string_the_provider_host_is_refused_with_401(behind: Behind) -> None:
    name = f"cf-{uuid.uuid4().hex[:8]}"
    with pytest.raises(grpc.RpcError) as raised:
        _check_and_create(_pool_news(name, behind.api_url))
    details = str(raised.value.details())
    assert "401" in details, details
    assert "Unauthorized" in details, details
    absent = httpx.get(f"{behind.server.api_url}/work_pools/{name}", headers=behind.server.headers)
    assert absent.status_code == 404


def _prefect_cli(behind: Behind, home: Path, auth_string: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    """The `prefect` CLI pointed at the proxy, with its own home and no other Prefect setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({"PREFECT_API_URL": behind.api_url, "PREFECT_HOME": str(home), "COLUMNS": "200"})
    if auth_string is not None:
        env["PREFECT_API_AUTH_STRING"] = auth_string
    return subprocess.run(
        [sys.executable, "-m", "prefect", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_prefect_cli_lists_the_pool_through_the_proxy(behind: Behind, pool: str, tmp_path: Path) -> None:
    listed = _prefect_cli(behind, tmp_path / "with", behind.server.auth_string, "work-pool", "ls")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert pool in listed.stdout

    refused = _prefect_cli(behind, tmp_path / "without", None, "work-pool", "ls")
    assert refused.returncode != 0, refused.stdout
    assert pool not in refused.stdout
    assert "401" in refused.stdout + refused.stderr, refused.stdout + refused.stderr


def test_the_ui_and_its_settings_are_served_through_the_proxy(behind: Behind) -> None:
    """The UI's page and settings need no auth string (the UI asks for it in the browser); its settings send it to
    the API at the distribution's public URL, where the auth string is what lets a request in."""
    settings = httpx.get(f"{behind.proxy.url}/ui-settings")
    assert settings.status_code == 200, settings.text
    public = {e["name"]: e["value"] for e in server_definition()["environment"]}["PREFECT_SERVER_UI_API_URL"]
    assert (settings.json()["api_url"], settings.json()["auth"]) == (public, "BASIC")
    page = httpx.get(f"{behind.proxy.url}/", headers={"Accept": "text/html"}, follow_redirects=True)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<title>Prefect" in page.text
    version = f"{behind.api_url}/admin/version"
    assert httpx.get(version).status_code == 401
    assert httpx.get(version, headers=behind.server.headers).status_code == 200


async def _emit(api_url: str, auth_string: str | None, event: Event, *, version_check: bool = True) -> None:
    settings = {
        PREFECT_API_URL: api_url,
        PREFECT_API_AUTH_STRING: auth_string,
        PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED: version_check,
    }
    with temporary_settings(settings):
        async with PrefectEventsClient(reconnection_attempts=0) as client:
            await client.emit(event)


def _events_named(behind: Behind, name: str) -> list[dict[str, Any]]:
    found = httpx.post(
        f"{behind.api_url}/events/filter",
        json={"filter": {"event": {"name": [name]}}, "limit": 10},
        headers=behind.server.headers,
    )
    assert found.status_code == 200, found.text
    return list(found.json()["events"])


def test_prefects_events_client_streams_an_event_through_the_proxy(behind: Behind) -> None:
    """Prefect's own events client, configured as a flow run would be, opens /api/events/in through the proxy
    with the `prefect` subprotocol, passes the auth handshake, and the event it sends is then stored."""
    name = f"cloudfront.proof.{uuid.uuid4().hex[:8]}"
    event = Event(event=name, resource=Resource({"prefect.resource.id": f"proof.{name}"}))
    run_in_private_loop(_emit(behind.api_url, behind.server.auth_string, event))
    # The client first checks the server's version over HTTP, with the auth string as basic auth, then the socket.
    assert "GET /api/admin/version" in behind.proxy.seen.requests
    assert ("/api/events/in", "prefect") in behind.proxy.seen.websockets
    deadline = time.monotonic() + EVENT_TIMEOUT_SECONDS
    while not (stored := _events_named(behind, name)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert [e["id"] for e in stored] == [str(event.id)]


def test_without_the_auth_string_the_events_client_is_refused(behind: Behind) -> None:
    """The socket's own refusal: the client's version check, which a 401 would already stop (and which is
    skipped once it has passed for a URL), is off, so the auth handshake is what refuses."""
    name = f"cloudfront.refused.{uuid.uuid4().hex[:8]}"
    event = Event(event=name, resource=Resource({"prefect.resource.id": f"proof.{name}"}))
    with pytest.raises(Exception, match="Unable to authenticate to the event stream") as raised:
        run_in_private_loop(_emit(behind.api_url, None, event, version_check=False))
    assert "Auth required but no token provided" in str(raised.value)


async def _close_after_auth(url: str, token: str | None) -> tuple[int, str] | str:
    """The server's close code and reason after the first message, or its answer if it kept the socket open."""
    async with connect(url, subprotocols=[Subprotocol("prefect")]) as socket:
        assert socket.subprotocol == "prefect"
        await socket.send(json.dumps({"type": "auth", "token": token}))
        try:
            answer = await socket.recv()
        except ConnectionClosed as closed:
            # No close frame (rcvd None) would be the proxy dropping the socket rather than relaying the close.
            return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else "closed without a close frame"
        return str(answer)


def test_the_server_closes_an_unauthenticated_socket_with_a_policy_violation(behind: Behind) -> None:
    """The auth handshake at the wire, through the proxy: the right token gets `auth_success`, a wrong or
    missing one a policy-violation close, which the proxy relays with its reason."""
    url = behind.api_url.replace("http://", "ws://") + "/events/in"
    assert json.loads(str(run_in_private_loop(_close_after_auth(url, behind.server.auth_string)))) == {
        "type": "auth_success"
    }
    assert run_in_private_loop(_close_after_auth(url, "prefect:not-the-secret")) == (POLICY_VIOLATION, "Invalid token")
    assert run_in_private_loop(_close_after_auth(url, None)) == (
        POLICY_VIOLATION,
        "Auth required but no token provided",
    )
