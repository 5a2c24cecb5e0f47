"""Neither the Prefect API key nor the AWS secret key leaks into the pickled provider or plain outputs."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime._serialization import _serialize

from prefect_ecs_platform.resources import BlockDocumentProvider, DeploymentProvider, WorkPoolProvider
from prefect_ecs_platform.resources.block_document import SECRET_OUTPUTS

pytestmark = pytest.mark.server

API_KEY = "pnu_never-in-state-0123456789abcdef"
AWS_SECRET = "aws-secret-never-in-plain-outputs-0123456789"


def _leaks(value: Any) -> bool:
    text = str(value)
    return API_KEY in text or AWS_SECRET in text


def test_configured_key_stays_out_of_the_serialized_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    """After configure() and with PREFECT_API_KEY set, the SDK-serialized providers carry no key."""
    monkeypatch.setenv("PREFECT_API_KEY", API_KEY)
    for provider in (WorkPoolProvider(), BlockDocumentProvider(), DeploymentProvider()):
        provider.configure(
            ConfigureRequest(Config({"prefect-ecs-platform:prefectApiKey": API_KEY}, "prefect-ecs-platform"))
        )
        serialized, _ = _serialize(True, serialize_provider, provider)
        assert not _leaks(serialized)
        assert API_KEY.encode() not in base64.b64decode(serialized)


def test_outputs_not_marked_secret_hold_no_credentials(
    prefect_api_url: str, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """Every output a provider returns, except the block's secret `data`, is free of both keys."""
    monkeypatch.setenv("PREFECT_API_KEY", API_KEY)
    common = {"api_url": prefect_api_url, "adopt_existing": False, "api_key": API_KEY}
    block = BlockDocumentProvider().create(
        {
            **common,
            "name": f"creds-{unique}",
            "block_type_slug": "aws-credentials",
            "data": {"aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": AWS_SECRET},
        }
    )
    pool = WorkPoolProvider().create({**common, "name": f"pool-{unique}", "type": "ecs:push"})
    deployment = DeploymentProvider().create(
        {**common, "name": "d", "flow_name": f"flow-{unique}", "work_pool_name": f"pool-{unique}"}
    )
    try:
        assert block.outs is not None
        assert AWS_SECRET in str(block.outs["data"])
        for outs, secret_keys in ((block.outs, SECRET_OUTPUTS), (pool.outs, []), (deployment.outs, [])):
            assert outs is not None
            assert "api_key" not in outs
            plain = {k: v for k, v in outs.items() if k not in secret_keys}
            assert not _leaks(plain), plain
    finally:
        DeploymentProvider().delete(deployment.id, {**common, **(deployment.outs or {})})
        WorkPoolProvider().delete(pool.id, {**common, **(pool.outs or {})})
        BlockDocumentProvider().delete(block.id, {**common, **(block.outs or {})})
