"""Writes to a self-hosted server go one at a time per process unless the environment allows parallel ones."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from prefect_ecs_platform.prefect_api.client import PARALLEL_WRITES_ENV_VAR, PrefectApi

SELF_HOSTED = "http://127.0.0.1:4200/api"
WRITERS = 4


class _OverlapTransport(httpx.BaseTransport):
    """Holds each write until all writers are in flight (or a second passes), and remembers the most at once.

    Waiting for the others, not sleeping a fixed time, keeps a slow thread start on a loaded machine from
    looking like serialized writes.
    """

    def __init__(self) -> None:
        self.in_flight = 0
        self.most_in_flight = 0
        self._changed = threading.Condition()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/csrf-token"):
            return httpx.Response(422, json={"detail": "CSRF protection is disabled."})
        with self._changed:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self._changed.notify_all()
            self._changed.wait_for(lambda: self.most_in_flight == WRITERS, timeout=1.0)
            self.in_flight -= 1
        return httpx.Response(200, json={"id": "d-1", "name": "x"})


def _most_writes_at_once(api_url: str) -> int:
    transport = _OverlapTransport()
    apis = [PrefectApi(api_url, transport=transport) for _ in range(WRITERS)]
    with ThreadPoolExecutor(WRITERS) as threads:
        list(threads.map(lambda api: api.upsert_deployment({"name": "x"}, "deployment x"), apis))
    return transport.most_in_flight


def test_writes_to_a_self_hosted_server_are_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PARALLEL_WRITES_ENV_VAR, raising=False)
    assert _most_writes_at_once(SELF_HOSTED) == 1


@pytest.mark.parametrize("value", ["true", "1", "yes"])
def test_the_environment_allows_parallel_writes_to_a_self_hosted_server(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(PARALLEL_WRITES_ENV_VAR, value)
    assert _most_writes_at_once(SELF_HOSTED) == WRITERS


def test_an_unrecognised_value_keeps_writes_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PARALLEL_WRITES_ENV_VAR, "postgres")
    assert _most_writes_at_once(SELF_HOSTED) == 1


class _FirstWriteBacksOff(httpx.BaseTransport):
    """Answers the first write 503 with Retry-After, then every write 200; records the order writes arrive in."""

    def __init__(self) -> None:
        self.arrivals: list[str] = []
        self.backing_off = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/csrf-token"):
            return httpx.Response(422, json={"detail": "CSRF protection is disabled."})
        name = json.loads(request.content)["name"]
        self.arrivals.append(name)
        if len(self.arrivals) == 1:
            self.backing_off.set()
            return httpx.Response(503, headers={"Retry-After": "1"}, json={"detail": "busy"})
        return httpx.Response(200, json={"id": f"d-{name}", "name": name})


def test_a_write_backing_off_does_not_hold_up_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one-write-at-a-time lock is held per attempt: Prefect's retry sleep happens outside it."""
    monkeypatch.delenv(PARALLEL_WRITES_ENV_VAR, raising=False)
    monkeypatch.setenv("PREFECT_CLIENT_RETRY_JITTER_FACTOR", "0")
    transport = _FirstWriteBacksOff()

    def second() -> None:
        transport.backing_off.wait(5)
        PrefectApi(SELF_HOSTED, transport=transport).upsert_deployment({"name": "second"}, "deployment second")

    with ThreadPoolExecutor(2) as threads:
        waiting = threads.submit(second)
        PrefectApi(SELF_HOSTED, transport=transport).upsert_deployment({"name": "first"}, "deployment first")
        waiting.result()
    assert transport.arrivals == ["first", "second", "first"]
