"""`BlockDocument`: a Prefect block document (e.g. the push pool's aws-credentials) managed by Pulumi.

Two schemas of one block type can coexist on a server (the installed prefect-aws and the server's
bundled one), and the "latest" one is not necessarily ours: the schema is picked by the checksum of the
block class installed here. The block's data holds secrets, so `data` is a secret output.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import pulumi
import pydantic
from prefect.blocks.core import Block, UnknownBlockType
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from prefect_ecs_platform.prefect_api import Conflict, NotFound, PrefectApi, PrefectApiError
from prefect_ecs_platform.resources._provider import ADOPT_EXISTING, API_URL, PrefectProvider, connection_props
from prefect_ecs_platform.resources.normalise import contains_unknown, same_value, set_fields
from prefect_ecs_platform.resources.own_write import is_own_retried_write

FIELDS = ("name", "block_type_slug", "data")
SECRET_OUTPUTS = ["data"]
_BLOCK_NAME = re.compile(r"^[a-z0-9-]+$")


def block_class(slug: str) -> type[Block]:
    """The installed block class for a slug (prefect-aws registers "aws-credentials" when imported)."""
    try:
        return Block.get_block_class_from_key(slug)
    except UnknownBlockType as exc:
        raise PrefectApiError(f"block type {slug!r}", str(exc)) from exc


def block_document_failures(props: dict[str, Any]) -> list[CheckFailure]:
    """Input rules: Prefect's name format, a known block type, and data the block class accepts."""
    failures: list[CheckFailure] = []
    name = props.get("name")
    if not contains_unknown(name) and not (isinstance(name, str) and _BLOCK_NAME.match(name)):
        failures.append(CheckFailure("name", f"{name!r} is not a block name: use lowercase letters, digits and dashes"))
    slug = props.get("block_type_slug")
    if contains_unknown(slug):
        return failures
    try:
        cls = block_class(str(slug))
    except PrefectApiError as exc:
        return [*failures, CheckFailure("block_type_slug", str(exc))]
    data = props.get("data")
    if data is not None and not contains_unknown(data):
        try:
            cls.model_validate(data)
        except pydantic.ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"])
                # Never echo the input: data holds secrets.
                failures.append(CheckFailure("data", f"data.{where}: {error['msg']}"))
    return failures


class BlockDocumentProvider(PrefectProvider):
    """CRUD for `/block_documents/`; the Pulumi id is the document's UUID."""

    fields: ClassVar[tuple[str, ...]] = FIELDS
    replace_fields: ClassVar[tuple[str, ...]] = (API_URL, "name", "block_type_slug")
    identity_fields: ClassVar[tuple[str, ...]] = ("name", "block_type_slug")

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        """See `block_document_failures`."""
        return block_document_failures(props)

    @staticmethod
    def _outputs(stored: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": stored["name"],
            "block_type_slug": props["block_type_slug"],
            "data": stored.get("data") or {},
            "block_type_id": str(stored["block_type_id"]),
            "block_schema_id": str(stored["block_schema_id"]),
            API_URL: props[API_URL],
            ADOPT_EXISTING: bool(props.get(ADOPT_EXISTING)),
        }

    @staticmethod
    def _what(props: dict[str, Any]) -> str:
        return f"{props.get('block_type_slug')} block {props.get('name')!r}"

    def _schema_id(self, api: PrefectApi, slug: str) -> str:
        checksum = block_class(slug)._calculate_schema_checksum()
        try:
            return str(api.read_block_schema_by_checksum(checksum)["id"])
        except NotFound as exc:
            raise PrefectApiError(
                f"block type {slug!r}",
                f"{api.api_url} has no block schema with checksum {checksum} (the installed version); "
                "register it first, e.g. `prefect block register -m prefect_aws`",
            ) from exc

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the document with the installed schema; an existing one needs `adopt_existing`."""
        slug = str(props["block_type_slug"])
        name = str(props["name"])
        data = set_fields(props, ("data",)).get("data", {})
        what = self._what(props)
        with self.client(props) as api:
            block_type_id = str(api.read_block_type(slug)["id"])
            schema_id = self._schema_id(api, slug)
            # Looked up first: a document that is there before our POST is never taken for our own write.
            try:
                stored = self._take_over(api, props, api.read_block_document_by_name(slug, name), data, schema_id)
                return CreateResult(str(stored["id"]), self._outputs(stored, props))
            except NotFound:
                pass
            body = {"name": name, "data": data, "block_type_id": block_type_id, "block_schema_id": schema_id}
            try:
                created, _ = api.create_block_document(body, what)
            except Conflict as exc:
                existing = api.read_block_document_by_name(slug, name)
                if not is_own_retried_write(exc, same_content=self._same_content(existing, data, schema_id)):
                    existing = self._take_over(api, props, existing, data, schema_id)
                return CreateResult(str(existing["id"]), self._outputs(existing, props))
            try:
                # The POST answer masks secret values; outputs hold the stored ones (as a secret output).
                stored = api.read_block_document(str(created["id"]))
            except PrefectApiError:
                # Pulumi records nothing for a failed create, so the document would be orphaned.
                api.delete_block_document(str(created["id"]))
                raise
        return CreateResult(str(stored["id"]), self._outputs(stored, props))

    @staticmethod
    def _same_content(stored: dict[str, Any], data: dict[str, Any], schema_id: str) -> bool:
        return str(stored.get("block_schema_id")) == schema_id and same_value(data, stored.get("data"))

    def _take_over(
        self, api: PrefectApi, props: dict[str, Any], existing: dict[str, Any], data: dict[str, Any], schema_id: str
    ) -> dict[str, Any]:
        what = self._what(props)
        if props.get(ADOPT_EXISTING):
            update = {"data": data, "block_schema_id": schema_id, "merge_existing_data": False}
            api.update_block_document(str(existing["id"]), update, what)
            return api.read_block_document(str(existing["id"]))
        raise PrefectApiError(
            what,
            f"already exists on {api.api_url} (id {existing['id']}) and is not managed by this stack; "
            "choose another name, or set adopt_existing=True to manage (and later delete) it",
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The live document with secrets unmasked (outputs are secret), or nothing when deleted outside."""
        with self.client(props) as api:
            try:
                stored = api.read_block_document(id_)
            except NotFound:
                return ReadResult(None, {})
        return ReadResult(id_, self._outputs(stored, props))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Replace the data (no merge, so removed keys go) and move to the installed schema."""
        what = self._what(news)
        data = set_fields(news, ("data",)).get("data", {})
        with self.client(news) as api:
            schema_id = self._schema_id(api, str(news["block_type_slug"]))
            body = {"data": data, "block_schema_id": schema_id, "merge_existing_data": False}
            api.update_block_document(id_, body, what)
            stored = api.read_block_document(id_)
        return UpdateResult(self._outputs(stored, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the document; already gone is fine."""
        with self.client(props) as api:
            api.delete_block_document(id_)


class BlockDocument(pulumi.dynamic.Resource, module="prefect", name="BlockDocument"):
    """A Prefect block document. `id` is its Prefect UUID; `data` is always a secret output."""

    name: pulumi.Output[str]
    """The document's name (a change replaces it)."""
    block_type_slug: pulumi.Output[str]
    """The block type, e.g. "aws-credentials" (a change replaces the document)."""
    data: pulumi.Output[dict[str, Any]]
    """The stored data, secrets included: a secret output."""
    block_type_id: pulumi.Output[str]
    """The block type's Prefect UUID."""
    block_schema_id: pulumi.Output[str]
    """The Prefect UUID of the schema matching the installed block class."""
    api_url: pulumi.Output[str]
    """The Prefect API the document lives in."""
    adopt_existing: pulumi.Output[bool]
    """Whether an existing document of that name was allowed to be taken over."""

    def __init__(  # noqa: PLR0913 -- one keyword per input of the block document resource
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        block_type_slug: pulumi.Input[str],
        data: pulumi.Input[dict[str, Any]],
        api_url: pulumi.Input[str],
        adopt_existing: bool = False,
        api_key: pulumi.Input[str] | None = None,
        api_auth_string: pulumi.Input[str] | None = None,
        api_auth_string_from_stack: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a block document; keyword names match a `BlockDocumentCreate` body with the type's slug."""
        props: dict[str, Any] = {
            "name": name,
            "block_type_slug": block_type_slug,
            "data": pulumi.Output.secret(data),
            "block_type_id": None,
            "block_schema_id": None,
            **connection_props(api_url, adopt_existing, api_key, api_auth_string, api_auth_string_from_stack),
        }
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        super().__init__(BlockDocumentProvider(), resource_name, props, pulumi.ResourceOptions.merge(opts, secret_opts))
