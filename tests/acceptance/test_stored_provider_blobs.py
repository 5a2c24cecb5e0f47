"""Providers pickled into existing stacks' state still read and delete their objects.

The files under `data/` are the `__provider` values that the code serialized before the package was
reorganised into parts (dill pickles by reference to `prefect_ecs_platform.resources.<module>`). The engine
unpickles the stored value on Read and Delete, and a no-op `pulumi up` never rewrites it, so these exact bytes
must keep working for as long as stacks created with them exist. Never regenerate them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from prefect_ecs_platform.prefect_api import NotFound, PrefectApi
from prefect_ecs_platform.resources import BlockDocumentProvider, DeploymentProvider, WorkPoolProvider
from tests.acceptance.provider_host import from_struct, to_struct

pytestmark = pytest.mark.server

DATA = Path(__file__).parent / "data"


def _stored_blob(module: str) -> str:
    return (DATA / f"{module}_provider.b64").read_text().strip()


def _read_then_delete(
    host: provider_pb2_grpc.ResourceProviderStub,
    *,
    kind: str,
    blob: str,
    resource_id: str,
    outs: dict[str, Any],
    still_there: Callable[[], object],
) -> None:
    urn = f"urn:pulumi:dev::prefect-ecs-platform::pulumi-python:dynamic/prefect:{kind}::stored"
    state = to_struct({**outs, "__provider": blob})
    host.Configure(provider_pb2.ConfigureRequest(args=to_struct({})))

    read = host.Read(provider_pb2.ReadRequest(id=resource_id, urn=urn, properties=state, inputs=state))
    assert read.id == resource_id
    assert from_struct(read.properties)["name"] == outs["name"]

    host.Delete(provider_pb2.DeleteRequest(id=resource_id, urn=urn, properties=read.properties))
    with pytest.raises(NotFound):
        still_there()


def test_stored_work_pool_provider_reads_and_deletes(
    host: provider_pb2_grpc.ResourceProviderStub, prefect_api_url: str, api: PrefectApi, unique: str
) -> None:
    """A pool's stored provider blob reads the pool through the host, then deletes it."""
    name = f"stored-pool-{unique}"
    created = WorkPoolProvider().create({"api_url": prefect_api_url, "name": name, "type": "ecs"})
    assert created.outs is not None
    _read_then_delete(
        host,
        kind="WorkPool",
        blob=_stored_blob("work_pool"),
        resource_id=created.id,
        outs=created.outs,
        still_there=lambda: api.read_work_pool(name),
    )


def test_stored_block_document_provider_reads_and_deletes(
    host: provider_pb2_grpc.ResourceProviderStub, prefect_api_url: str, api: PrefectApi, unique: str
) -> None:
    """A credentials block's stored provider blob reads the block through the host, then deletes it."""
    created = BlockDocumentProvider().create(
        {
            "api_url": prefect_api_url,
            "name": f"stored-creds-{unique}",
            "block_type_slug": "aws-credentials",
            "data": {"aws_access_key_id": "AKIAEXAMPLE", "region_name": "eu-west-1"},
        }
    )
    assert created.outs is not None
    _read_then_delete(
        host,
        kind="BlockDocument",
        blob=_stored_blob("block_document"),
        resource_id=created.id,
        outs=created.outs,
        still_there=lambda: api.read_block_document(created.id),
    )


def test_stored_deployment_provider_reads_and_deletes(
    host: provider_pb2_grpc.ResourceProviderStub, prefect_api_url: str, api: PrefectApi, unique: str
) -> None:
    """A deployment's stored provider blob reads the deployment through the host, then deletes it."""
    pool = f"stored-pool-{unique}"
    WorkPoolProvider().create({"api_url": prefect_api_url, "name": pool, "type": "ecs"})
    created = DeploymentProvider().create(
        {"api_url": prefect_api_url, "name": "stored", "flow_name": f"flow-{unique}", "work_pool_name": pool}
    )
    assert created.outs is not None
    try:
        _read_then_delete(
            host,
            kind="Deployment",
            blob=_stored_blob("deployment"),
            resource_id=created.id,
            outs=created.outs,
            still_there=lambda: api.read_deployment(created.id),
        )
    finally:
        api.delete_work_pool(pool)
