"""A server that is down or does not answer: an error naming it and what to check, no httpx traceback.

Pulumi's provider host reports a failed call as `traceback.format_exc()`, so the formatted traceback is
what a user reads in `pulumi up`'s output; it is checked here the same way.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
import traceback
from collections.abc import Iterator

import pytest
from prefect.settings import PREFECT_API_REQUEST_TIMEOUT, PREFECT_CLIENT_MAX_RETRIES, temporary_settings

from prefect_ecs_platform.prefect_api import PrefectApi, PrefectApiError
from prefect_ecs_platform.prefect_api.client import forget_shared_state
from prefect_ecs_platform.resources import DeploymentProvider, WorkPoolProvider
from tests.support.engine_values import as_grpc


@pytest.fixture
def closed_url() -> Iterator[str]:
    """The API URL of a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield f"http://127.0.0.1:{port}/api"
    forget_shared_state()


@pytest.fixture
def silent_url() -> Iterator[str]:
    """The API URL of a loopback port that takes connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/api"
    forget_shared_state()


def _as_the_host_reports(error: BaseException) -> str:
    return "".join(traceback.format_exception(error))


def _assert_names_the_server(error: PrefectApiError, api_url: str) -> None:
    message = str(error)
    assert api_url in message
    assert "Check that the server is running" in message
    assert "prefectApiUrl" in message
    reported = _as_the_host_reports(error)
    assert "/httpx/" not in reported, reported
    assert "/httpcore/" not in reported, reported


def test_a_create_against_a_stopped_server_names_it(closed_url: str) -> None:
    props = as_grpc({"name": "etl", "flow_name": "etl", "work_pool_name": "ecs", "api_url": closed_url})
    with pytest.raises(PrefectApiError) as raised:
        DeploymentProvider().create(props)
    assert "ConnectError" in str(raised.value)
    _assert_names_the_server(raised.value, closed_url)


def test_a_delete_against_a_stopped_server_names_it(closed_url: str) -> None:
    with pytest.raises(PrefectApiError) as raised:
        WorkPoolProvider().delete("pool-id", as_grpc({"name": "ecs", "api_url": closed_url}))
    _assert_names_the_server(raised.value, closed_url)


def test_a_server_that_never_answers_is_named_after_the_timeout(silent_url: str) -> None:
    with (
        temporary_settings({PREFECT_CLIENT_MAX_RETRIES: 0}),
        PrefectApi(silent_url, timeout=0.5) as api,
        pytest.raises(PrefectApiError) as raised,
    ):
        api.read_work_pool("ecs")
    assert "ReadTimeout" in str(raised.value)
    _assert_names_the_server(raised.value, silent_url)


@pytest.fixture
def slow_url() -> Iterator[str]:
    """The API URL of a loopback server that answers every request with a work pool, two seconds late."""

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(2)
            body = b'{"id": "p-1", "name": "ecs"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()
    forget_shared_state()


def test_the_providers_wait_as_long_as_prefects_request_timeout(slow_url: str) -> None:
    """PREFECT_API_REQUEST_TIMEOUT bounds each attempt, as for Prefect's own clients."""
    props = as_grpc({"name": "ecs", "api_url": slow_url})
    with temporary_settings({PREFECT_CLIENT_MAX_RETRIES: 0, PREFECT_API_REQUEST_TIMEOUT: 0.5}):
        with pytest.raises(PrefectApiError) as raised:
            WorkPoolProvider().read("p-1", props)
        assert "ReadTimeout" in str(raised.value)
    with temporary_settings({PREFECT_CLIENT_MAX_RETRIES: 0, PREFECT_API_REQUEST_TIMEOUT: 10}):
        forget_shared_state()
        assert WorkPoolProvider().read("p-1", props).id == "p-1"
