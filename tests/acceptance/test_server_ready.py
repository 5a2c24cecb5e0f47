"""`ServerReady` through Pulumi's real provider host: a create waits for a server that starts after it, and
fails within its deadline, with the reason, when nothing ever answers."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import grpc
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from prefect_ecs_platform.resources import ServerReadyProvider
from tests.support.prefect_server import free_port, running_prefect_server
from tests.support.provider_host import from_struct, to_struct

pytestmark = pytest.mark.server

URN = "urn:pulumi:test::prefect-ecs-platform::pulumi-python:dynamic/prefect:ServerReady::data-server-ready"
AUTH_STRING = "prefect:never-sent-to-ready-0123456789"
LOGS = "CloudWatch log group data-logs, streams server/prefect-server/<task id>"


def _inputs(api_url: str, timeout_seconds: float) -> Any:
    serialized, _ = _serialize(True, serialize_provider, ServerReadyProvider())
    return to_struct(
        {"__provider": serialized, "api_url": api_url, "log_hint": LOGS, "timeout_seconds": timeout_seconds}
    )


def test_a_create_waits_for_a_server_started_after_it(
    host: provider_pb2_grpc.ResourceProviderStub, tmp_path: Path
) -> None:
    """The server has basic auth and starts seconds after the create: the create returns once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    replies: list[Any] = []
    errors: list[BaseException] = []

    def create() -> None:
        try:
            replies.append(host.Create(provider_pb2.CreateRequest(urn=URN, properties=_inputs(url, 120))))
        except BaseException as exc:
            errors.append(exc)

    creating = threading.Thread(target=create, daemon=True)
    creating.start()
    time.sleep(3)
    assert creating.is_alive(), (replies, errors)
    with running_prefect_server(tmp_path, {"PREFECT_SERVER_API_AUTH_STRING": AUTH_STRING}, port=port):
        creating.join(timeout=60)
    assert not creating.is_alive()
    assert errors == []
    [reply] = replies
    assert reply.id == "ready"
    outputs = from_struct(reply.properties)
    assert outputs["api_url"] == url
    assert AUTH_STRING not in str(outputs)


def test_a_create_against_nothing_fails_within_its_deadline_naming_the_answer_and_the_logs(
    host: provider_pb2_grpc.ResourceProviderStub,
) -> None:
    url = f"http://127.0.0.1:{free_port()}/api"
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as raised:
        host.Create(provider_pb2.CreateRequest(urn=URN, properties=_inputs(url, 3)))
    elapsed = time.monotonic() - started
    assert 3 <= elapsed < 10
    details = str(raised.value.details())
    assert f"GET {url}/ready" in details
    assert "within 3 s" in details
    assert "ConnectError" in details
    assert LOGS in details
