"""The benchmark suite's own parts: the counting proxy and the generated project it runs the program on."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from prefect_ecs_platform.render.evaluate import evaluate
from prefect_ecs_platform.render.project_files import load_stack_files
from tests.support.generated_project import STACK, make_project
from tests.support.pulumi_mocks import RecordingMocks
from tests.support.wire_proxy import wire_proxy

DEPLOYMENT = "pulumi-python:dynamic/prefect:Deployment"


class _Echo(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = f"{self.command} {self.path} {self.headers.get('Authorization')} {body.decode()}".encode()
        self.send_response(201)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def upstream() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_proxy_forwards_and_counts_by_route(upstream: str) -> None:
    deployment = "0b6e3a9c-1d2e-4f50-8a6b-7c8d9e0f1a2b"
    with wire_proxy(upstream) as proxy, httpx.Client(base_url=proxy.url) as client:
        posted = client.post("/api/deployments/", json={"name": "x"}, headers={"Authorization": "Bearer k"})
        client.get(f"/api/deployments/{deployment}")
        client.delete(f"/api/deployments/{deployment}?force=1")
        assert (posted.status_code, posted.text) == (201, 'POST /api/deployments/ Bearer k {"name":"x"}')
        assert proxy.take() == {
            "POST /api/deployments/": 1,
            "GET /api/deployments/{id}": 1,
            "DELETE /api/deployments/{id}": 1,
        }
        assert proxy.take() == {}


def test_the_proxy_adds_its_delay_to_every_request(upstream: str) -> None:
    with wire_proxy(upstream, delay=0.2) as proxy, httpx.Client(base_url=proxy.url) as client:
        start = time.perf_counter()
        for _ in range(3):
            client.get("/api/health")
        assert time.perf_counter() - start >= 0.6


def test_the_generated_project_runs_the_stacks_program(tmp_path: Path) -> None:
    project = make_project(tmp_path, 3, "http://127.0.0.1:9/api")
    mocks = RecordingMocks()
    evaluate(load_stack_files(project, STACK), mocks)
    deployments = [r.inputs for r in mocks.resources if r.typ == DEPLOYMENT]
    assert sorted(d["name"] for d in deployments) == [f"bench-{i:04d}-{STACK}" for i in range(3)]
    assert {d["schedules"][0]["schedule"]["cron"] for d in deployments} == {"0 6 * * *", "1 6 * * *", "2 6 * * *"}
    assert {d["api_url"] for d in deployments} == {"http://127.0.0.1:9/api"}
