"""The benchmark suite's own parts: the counting proxy, the generated project it runs the program on, and the hosted
server's capacity benchmark's load and arithmetic (against a fake server: no process starts here)."""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prefect.server.schemas.actions import DeploymentFlowRunCreate, LogCreate, StateCreate, TaskRunCreate

from prefect_ecs_platform.render.evaluate import evaluate
from prefect_ecs_platform.render.project_files import load_stack_files
from tests.support import flow_run_load, task_server
from tests.support.generated_project import STACK, make_project
from tests.support.postgres import Postgres
from tests.support.pulumi_mocks import RecordingMocks
from tests.support.server_process import registered_server
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


# --- bench/server_capacity.py's load and arithmetic (in tests/support), against a fake server -------------------

FLOW_RUN = "11111111-1111-4111-8111-111111111111"
TASK_RUN = "22222222-2222-4222-8222-222222222222"
PLAN = flow_run_load.Plan(deployment_id="d-1", flow_id="f-1")


class _FakeServer:
    """Answers the lifecycle's requests as Prefect's server would; `replies` puts answers to given proposals first."""

    def __init__(self, replies: dict[tuple[str, str], list[dict[str, Any]]] | None = None) -> None:
        self.requests: list[tuple[str, str, Any]] = []
        self.replies = replies or {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body: Any = json.loads(request.content) if request.content else None
        path = request.url.path.removeprefix("/api")
        self.requests.append((request.method, path, body))
        if path.endswith("/set_state"):
            proposed = body["state"]["type"]
            queued = self.replies.get((path.split("/")[1], proposed))
            if queued:
                return httpx.Response(201, json=queued.pop(0))
            return httpx.Response(201, json={"status": "ACCEPT", "state": {"type": proposed}, "details": {}})
        if path.endswith("/create_flow_run"):
            return httpx.Response(201, json={"id": FLOW_RUN})
        if path == "/task_runs/":
            return httpx.Response(201, json={"id": TASK_RUN})
        if path == "/logs/":
            return httpx.Response(201)
        return httpx.Response(200, json={})

    def route(self) -> list[str]:
        return [
            f"{method} {path}" + (f" {body['state']['type']}" if path.endswith("/set_state") else "")
            for method, path, body in self.requests
        ]


def _lifecycle(fake: _FakeServer) -> tuple[str, flow_run_load.Recorder]:
    recorder = flow_run_load.Recorder()

    async def run() -> str:
        transport = httpx.MockTransport(fake)
        async with httpx.AsyncClient(transport=transport, base_url="http://server/api") as client:
            return await flow_run_load.flow_run_lifecycle(client, PLAN, recorder)

    return asyncio.run(run()), recorder


def test_a_flow_run_is_moved_as_a_worker_and_the_flow_run_move_it() -> None:
    fake = _FakeServer()
    outcome, recorder = _lifecycle(fake)
    assert outcome == "COMPLETED"
    assert fake.route() == [
        "POST /deployments/d-1/create_flow_run",
        "GET /deployments/d-1",  # the worker, before it proposes PENDING
        f"POST /flow_runs/{FLOW_RUN}/set_state PENDING",
        "GET /deployments/d-1",  # the worker builds the job's configuration
        "GET /flows/f-1",
        f"GET /flow_runs/{FLOW_RUN}",  # the engine in the flow run's container
        "GET /deployments/d-1",
        f"POST /flow_runs/{FLOW_RUN}/set_state RUNNING",
        "POST /logs/",
        "POST /task_runs/",
        f"POST /task_runs/{TASK_RUN}/set_state RUNNING",
        f"POST /task_runs/{TASK_RUN}/set_state COMPLETED",
        "POST /logs/",
        f"POST /flow_runs/{FLOW_RUN}/set_state COMPLETED",
    ]
    assert len(recorder.completions) == 1
    assert len(recorder.between(0, float("inf"), "state ")) == 5
    assert len(recorder.between(0, float("inf"), "")) == 14


def test_the_lifecycles_bodies_are_the_ones_prefects_server_reads() -> None:
    fake = _FakeServer()
    _lifecycle(fake)
    bodies = {(method, path): body for method, path, body in fake.requests}
    created = bodies[("POST", "/deployments/d-1/create_flow_run")]
    created_state = DeploymentFlowRunCreate.model_validate(created).state
    assert created_state is not None
    assert created_state.type.value == "SCHEDULED"
    pending = bodies[("POST", f"/flow_runs/{FLOW_RUN}/set_state")]
    assert pending["force"] is False
    state = StateCreate.model_validate(pending["state"])
    assert str(state.state_details.flow_run_id) == FLOW_RUN
    assert state.state_details.transition_id is not None
    task = TaskRunCreate.model_validate(bodies[("POST", "/task_runs/")])
    assert task.state is not None
    assert (str(task.flow_run_id), task.state.type.value) == (FLOW_RUN, "PENDING")
    task_state = StateCreate.model_validate(bodies[("POST", f"/task_runs/{TASK_RUN}/set_state")]["state"])
    assert str(task_state.state_details.task_run_id) == TASK_RUN
    logs = [LogCreate.model_validate(line) for line in bodies[("POST", "/logs/")]]
    assert {str(log.flow_run_id) for log in logs} == {FLOW_RUN}
    assert len(logs) == flow_run_load.LOG_LINES


def test_a_wait_is_slept_and_proposed_again_with_a_new_transition() -> None:
    wait = {"status": "WAIT", "state": None, "details": {"type": "wait_details", "delay_seconds": 0}}
    fake = _FakeServer({("flow_runs", "RUNNING"): [wait, wait]})
    outcome, _ = _lifecycle(fake)
    assert outcome == "COMPLETED"
    running = [b for m, p, b in fake.requests if p.endswith("/set_state") and b["state"]["type"] == "RUNNING"]
    assert len(running) == 4  # the flow run's three, the task run's one
    flow_running = running[:3]
    assert len({b["state"]["state_details"]["transition_id"] for b in flow_running}) == 3


def test_a_rejected_pending_stops_the_worker_as_prefects_worker_does() -> None:
    rejected = {"status": "REJECT", "state": {"type": "RUNNING"}, "details": {"type": "reject_details"}}
    fake = _FakeServer({("flow_runs", "PENDING"): [rejected]})
    outcome, recorder = _lifecycle(fake)
    assert outcome == "worker stopped: RUNNING instead of PENDING"
    assert fake.route()[-1] == f"POST /flow_runs/{FLOW_RUN}/set_state PENDING"
    assert recorder.completions == []


def test_an_abort_ends_the_run() -> None:
    abort = {"status": "ABORT", "state": None, "details": {"type": "abort_details", "reason": "gone"}}
    fake = _FakeServer({("task_runs", "COMPLETED"): [abort]})
    with pytest.raises(flow_run_load.Aborted, match="gone"):
        _lifecycle(fake)


def test_the_rate_counts_completions_inside_the_window_only() -> None:
    completions = [9.9, 10.0, 10.5, 25.0, 39.99, 40.0, 41.0]
    assert flow_run_load.runs_per_minute(completions, 10.0, 40.0) == 8.0  # 4 in 30 s
    assert flow_run_load.runs_per_minute([], 0.0, 60.0) == 0.0
    with pytest.raises(ValueError, match="empty window"):
        flow_run_load.runs_per_minute(completions, 5.0, 5.0)


def test_latency_percentiles() -> None:
    values = [i / 1000 for i in range(1, 101)]
    assert flow_run_load.percentile(values, 50) == pytest.approx(0.0505)
    assert flow_run_load.percentile(values, 95) == pytest.approx(0.09505)
    assert flow_run_load.percentile([0.2], 95) == 0.2
    assert flow_run_load.percentile([], 50) is None


def test_the_server_gets_the_registered_tasks_environment_changed_only_where_it_must_point_here(
    tmp_path: Path,
) -> None:
    database = Postgres("127.0.0.1", 6543, "prefect", "prefect", "p@ss", tmp_path / "ca.pem")
    env = task_server.task_environment(database, tmp_path)
    definition = registered_server().definition
    task = {item["name"]: item["value"] for item in definition["environment"]}
    changed = {name for name, value in task.items() if env[name] != value}
    assert changed == {
        "PREFECT_SERVER_DATABASE_HOST",
        "PREFECT_SERVER_DATABASE_PORT",
        "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CA_FILE",
        "PREFECT_SERVER_UI_STATIC_DIRECTORY",
    }
    assert env["PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED"] == "true"
    assert (env["PREFECT_SERVER_DATABASE_USER"], env["PREFECT_SERVER_DATABASE_PASSWORD"]) == ("prefect", "p@ss")
    assert env["PREFECT_SERVER_API_AUTH_STRING"] == registered_server().auth_string
    assert env["PREFECT_HOME"] == str(tmp_path)
    assert {k for k in env if k.startswith("PREFECT_")} == {
        *task,
        *(s["name"] for s in definition["secrets"]),
        "PREFECT_HOME",
    }


def test_the_server_runs_the_tasks_command_on_loopback_at_a_given_port() -> None:
    command = task_server.task_command(4321)
    assert command[-6:] == ["server", "start", "--host", "127.0.0.1", "--port", "4321"]
    assert command[-6:-4] == registered_server().definition["command"][1:3]


def test_the_server_gets_its_cores_and_the_generator_the_rest() -> None:
    assert task_server.split_cores([1, 0], 1) == ([0], [1])
    assert task_server.split_cores([0, 1], 2) == ([0, 1], [0, 1])  # shared: no core left
    assert task_server.split_cores([0, 1, 2, 3], 2) == ([0, 1], [2, 3])
    with pytest.raises(ValueError, match="3 cores"):
        task_server.split_cores([0, 1], 3)


def test_core_ticks_count_the_given_cores_busy_time_from_proc_stat() -> None:
    stat = "cpu  30 0 10 100 5 0 0 0 0 0\ncpu0 10 0 5 50 5 0 0 0 0 0\ncpu1 20 1 5 50 0 1 1 2 7 0\nintr 123\n"
    assert task_server.core_ticks([1], stat) == (30, 80)
    assert task_server.core_ticks([0, 1], stat) == (45, 150)


def test_cpu_seconds_sum_a_process_tree_and_the_children_it_reaped(tmp_path: Path) -> None:
    def process(pid: int, parent: int, utime: int, stime: int, cutime: int, cstime: int) -> None:
        (tmp_path / str(pid)).mkdir()
        rest = " ".join(["S", str(parent), *["0"] * 9, str(utime), str(stime), str(cutime), str(cstime), "20"])
        (tmp_path / str(pid) / "stat").write_text(f"{pid} (python -m (x)) {rest}\n")

    process(10, 1, 100, 50, 30, 20)  # 30 + 20 from children that exited
    process(11, 10, 7, 3, 0, 0)
    process(12, 11, 1, 1, 0, 0)
    process(13, 1, 1000, 1000, 0, 0)  # not in the tree
    (tmp_path / "self").mkdir()
    ticks = os.sysconf("SC_CLK_TCK")
    assert task_server.cpu_seconds(10, tmp_path) == pytest.approx(212 / ticks)
    assert task_server.cpu_seconds(11, tmp_path) == pytest.approx(12 / ticks)
