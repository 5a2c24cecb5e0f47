"""Pulumi's real provider host (`python -m pulumi.dynamic`), started and dialled the way the engine does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2_grpc

import prefect_ecs_platform
from tests.support.private_loop import run_in_private_loop

COMPONENTS_DIR = Path(prefect_ecs_platform.__file__).resolve().parent.parent
REPO_ROOT = COMPONENTS_DIR.parent


@contextmanager
def running_provider_host(
    extra_env: dict[str, str] | None = None,
) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """Start the host from the project directory and dial the port it prints first.

    `extra_env` is added to the host's environment, as settings in `pulumi up`'s environment reach it.
    """
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_KEY"}
    env.update(extra_env or {})
    env["PULUMI_PROJECT"] = "prefect-ecs-platform"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(COMPONENTS_DIR), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic", "127.0.0.1:1"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip())
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        yield provider_pb2_grpc.ResourceProviderStub(channel)
        channel.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def to_struct(props: dict[str, Any]) -> struct_pb2.Struct:
    """Properties as the engine sends them."""
    return run_in_private_loop(rpc.serialize_properties(props, {}))


def from_struct(reply_properties: struct_pb2.Struct) -> dict[str, Any]:
    """Properties of a host reply, decoded as the engine decodes them."""
    return dict(rpc.deserialize_properties(reply_properties))
