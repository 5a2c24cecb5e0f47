"""A 409 on a retried POST: this request's own write is kept, another writer's identical object is refused.

The answer to a first POST is lost after the server handled it, as on a dropped connection, so Prefect's
client sends it again and the retry meets the object the first attempt created. The same 409 after an
identical object someone else created earlier must not be taken for ours (`resources/own_write.py`).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from prefect_ecs_platform.prefect_api import PrefectApi, PrefectApiError
from prefect_ecs_platform.resources.block_document import BlockDocumentProvider
from prefect_ecs_platform.resources.work_pool import WorkPoolProvider
from tests.support.provider_props import block_props, pool_props

pytestmark = pytest.mark.server


class _LoseFirstAnswer(httpx.HTTPTransport):
    """Delivers the first POST to `path` to the server, then reports a read timeout: the answer is lost."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.lost = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method == "POST" and request.url.path.endswith(self.path) and not self.lost:
            self.lost = True
            response.read()
            raise httpx.ReadTimeout("response lost", request=request)
        return response


def _lossy(provider_class: type[Any], transport: _LoseFirstAnswer) -> Any:
    class Lossy(provider_class):
        def client(self, props: dict[str, Any]) -> PrefectApi:
            return PrefectApi(str(props["api_url"]), transport=transport)

    return Lossy()


@pytest.fixture(autouse=True)
def _no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_CLIENT_RETRY_JITTER_FACTOR", "0")


def test_a_retried_pool_create_that_got_409_is_our_own_pool(prefect_api_url: str, api: PrefectApi, unique: str) -> None:
    transport = _LoseFirstAnswer("/work_pools/")
    created = _lossy(WorkPoolProvider, transport).create(pool_props(prefect_api_url, f"pool-{unique}"))
    assert transport.lost
    assert created.id == api.read_work_pool(f"pool-{unique}")["id"]
    api.delete_work_pool(f"pool-{unique}")


def test_an_identical_pool_made_before_our_first_attempt_is_refused(
    prefect_api_url: str, api: PrefectApi, unique: str
) -> None:
    """A lost answer, a retry and equal content are not enough: the other pool was there before."""
    name = f"pool-{unique}"
    theirs = WorkPoolProvider().create(pool_props(prefect_api_url, name))
    with pytest.raises(PrefectApiError, match=rf"work pool '{name}'.*not managed by this stack") as raised:
        _lossy(WorkPoolProvider, _LoseFirstAnswer("/work_pools/")).create(pool_props(prefect_api_url, name))
    # Found by the lookup before any POST: no 409 was answered, so the message claims none.
    assert "HTTP 409" not in str(raised.value)
    assert api.read_work_pool(name)["id"] == theirs.id
    api.delete_work_pool(name)


def _documents_named(api: PrefectApi, name: str) -> list[str]:
    found = api.request("POST", "/block_documents/filter", "block documents", json={"block_documents": {}})[0]
    return [str(d["id"]) for d in found if d["name"] == name]


def test_a_retried_block_create_that_got_409_is_our_own_document(
    prefect_api_url: str, api: PrefectApi, unique: str
) -> None:
    name = f"creds-{unique}"
    transport = _LoseFirstAnswer("/block_documents/")
    created = _lossy(BlockDocumentProvider, transport).create(block_props(prefect_api_url, name))
    assert transport.lost
    assert _documents_named(api, name) == [created.id]
    BlockDocumentProvider().delete(created.id, created.outs or {})


def test_an_identical_block_made_before_our_first_attempt_is_refused(
    prefect_api_url: str, api: PrefectApi, unique: str
) -> None:
    name = f"creds-{unique}"
    theirs = BlockDocumentProvider().create(block_props(prefect_api_url, name))
    with pytest.raises(PrefectApiError, match=rf"block 'creds-{unique}'.*not managed by this stack") as raised:
        _lossy(BlockDocumentProvider, _LoseFirstAnswer("/block_documents/")).create(block_props(prefect_api_url, name))
    assert "HTTP 409" not in str(raised.value)
    assert _documents_named(api, name) == [theirs.id]
    BlockDocumentProvider().delete(theirs.id, theirs.outs or {})
