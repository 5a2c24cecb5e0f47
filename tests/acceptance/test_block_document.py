"""Acceptance tests for the BlockDocument provider (aws-credentials) against a real Prefect server."""

from __future__ import annotations

from typing import Any

import pytest
from prefect_aws import AwsCredentials

from prefect_ecs_platform.prefect_api import NotFound, PrefectApi, PrefectApiError
from prefect_ecs_platform.resources.block_document import BlockDocumentProvider
from tests.support.provider_props import SECRET, block_props

pytestmark = pytest.mark.server


def test_block_document_lifecycle(prefect_api_url: str, api: PrefectApi, unique: str) -> None:
    """A credentials block walks create, read, no-op diff, update, replace, outside delete, double delete."""
    provider = BlockDocumentProvider()
    props = block_props(prefect_api_url, f"creds-{unique}")
    assert provider.check({}, props).failures == []

    created = provider.create(props)
    stored = api.read_block_document(created.id)
    assert stored["data"]["aws_secret_access_key"] == SECRET
    installed = api.read_block_schema_by_checksum(AwsCredentials._calculate_schema_checksum())
    assert stored["block_schema_id"] == installed["id"]

    read = provider.read(created.id, created.outs or {})
    assert read.outs is not None
    assert read.outs["data"] == props["data"]
    assert provider.diff(created.id, read.outs, props).changes is False

    rotated = block_props(
        prefect_api_url, f"creds-{unique}", data={"aws_access_key_id": "AKIANEW", "aws_secret_access_key": "s2"}
    )
    assert provider.diff(created.id, read.outs, rotated).replaces == []
    provider.update(created.id, read.outs, rotated)
    stored = api.read_block_document(created.id)
    assert stored["id"] == created.id
    assert stored["data"] == {"aws_access_key_id": "AKIANEW", "aws_secret_access_key": "s2"}

    renamed = block_props(prefect_api_url, f"creds-{unique}-b")
    assert provider.diff(created.id, read.outs, renamed).replaces == ["name"]
    replacement = provider.create(renamed)
    assert replacement.id != created.id
    provider.delete(created.id, read.outs)
    with pytest.raises(NotFound):
        api.read_block_document(created.id)

    api.delete_block_document(replacement.id)
    assert provider.read(replacement.id, replacement.outs or {}).id is None
    provider.delete(replacement.id, replacement.outs or {})
    provider.delete(replacement.id, replacement.outs or {})


def test_existing_block_is_not_taken_over(prefect_api_url: str, api: PrefectApi, unique: str) -> None:
    """A document of that name made outside this stack makes create fail, naming it, and stays as it was."""
    provider = BlockDocumentProvider()
    theirs = provider.create(block_props(prefect_api_url, f"creds-{unique}"))
    with pytest.raises(PrefectApiError, match=rf"aws-credentials block 'creds-{unique}'.*adopt_existing"):
        provider.create(block_props(prefect_api_url, f"creds-{unique}", data={"aws_access_key_id": "X"}))
    assert api.read_block_document(theirs.id)["data"]["aws_access_key_id"] == "AKIAEXAMPLE"
    provider.delete(theirs.id, theirs.outs or {})


def test_check_rejects_bad_names_and_unknown_types() -> None:
    """Upper-case names and block types without an installed class are check failures."""
    props = block_props("http://127.0.0.1:1/api", "Bad_Name", block_type_slug="no-such-block")
    failures = {f.property: f.reason for f in BlockDocumentProvider().check({}, props).failures}
    assert set(failures) == {"name", "block_type_slug"}
    assert "lowercase letters, digits and dashes" in failures["name"]


def test_failed_read_after_create_leaves_no_document(
    prefect_api_url: str, api: PrefectApi, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When reading the new document back fails, the create deletes it, so nothing is orphaned."""

    def unreadable(self: PrefectApi, block_id: str) -> dict[str, Any]:
        raise PrefectApiError(f"block document {block_id}", "Service Unavailable", 503)

    monkeypatch.setattr(PrefectApi, "read_block_document", unreadable)
    with pytest.raises(PrefectApiError, match="Service Unavailable"):
        BlockDocumentProvider().create(block_props(prefect_api_url, f"orphan-{unique}"))
    monkeypatch.undo()
    with pytest.raises(NotFound):
        api.read_block_document_by_name("aws-credentials", f"orphan-{unique}")
