"""What the providers of Prefect's simple named objects share (work queues, global concurrency limits, variables).

Each is unique by name on its server and addressed by its UUID. Create looks the name up first, so an object
that is there before the POST is never taken for this stack's own write (`own_write`), and takes one over only
with `adopt_existing`. Read by id drops an object deleted outside Pulumi; update PATCHes in place; a new name
replaces (the old one is deleted after the new one exists, as their names differ).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from prefect_ecs_platform.prefect_api import Conflict, NotFound, PrefectApi, PrefectApiError
from prefect_ecs_platform.resources._provider import (
    ADOPT_EXISTING,
    API_URL,
    PrefectProvider,
    refreshed_inputs,
)
from prefect_ecs_platform.resources.normalise import same_value, set_fields
from prefect_ecs_platform.resources.own_write import is_own_retried_write


class NamedObjectProvider(PrefectProvider):
    """CRUD for one collection of Prefect objects unique by name; the Pulumi id is the object's UUID."""

    #: What the object is called in errors ("global concurrency limit").
    kind: ClassVar[str] = ""
    #: The collection's route ("/v2/concurrency_limits").
    route: ClassVar[str] = ""
    #: The fields PATCH takes.
    updatable: ClassVar[tuple[str, ...]] = ()
    replace_fields: ClassVar[tuple[str, ...]] = (API_URL, "name")

    def body(self, props: dict[str, Any]) -> dict[str, Any]:
        """The POST body for the inputs."""
        return set_fields(props, self.fields)

    def what(self, props: dict[str, Any]) -> str:
        return f"{self.kind} {props.get('name')!r}"

    def read_by_name(self, api: PrefectApi, name: str, what: str, props: dict[str, Any]) -> dict[str, Any]:
        """The stored object called `name` (NotFound when there is none)."""
        raise NotImplementedError

    def written(self, api: PrefectApi, stored: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        """What a kind does after a create or update of one object (work queues: their pool's order); `stored`
        as it is then."""
        return stored

    def create_path(self, props: dict[str, Any]) -> str:
        """Where a POST makes the object."""
        return f"{self.route}/"

    def _by_id(self, api: PrefectApi, id_: str, what: str) -> dict[str, Any]:
        return api.read(f"{self.route}/{id_}", what)

    def _outputs(self, stored: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        return {
            **{field: stored.get(field) for field in self.fields},
            API_URL: props[API_URL],
            ADOPT_EXISTING: bool(props.get(ADOPT_EXISTING)),
        }

    def _matches(self, body: dict[str, Any], stored: dict[str, Any]) -> bool:
        return all(same_value(value, stored.get(field)) for field, value in body.items())

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the object; one of that name already there is taken over only with `adopt_existing`."""
        body = self.body(props)
        what = self.what(props)
        with self.client(props) as api:
            try:
                stored = self._take_over(api, self.read_by_name(api, str(body["name"]), what, props), body, props)
            except NotFound:
                try:
                    stored, _ = api.request("POST", self.create_path(props), what, json=body)
                except Conflict as exc:
                    existing = self.read_by_name(api, str(body["name"]), what, props)
                    if is_own_retried_write(exc, same_content=self._matches(body, existing)):
                        stored = existing
                    else:
                        stored = self._take_over(api, existing, body, props)
            stored = self.written(api, dict(stored), props)
        return CreateResult(str(stored["id"]), self._outputs(dict(stored), props))

    def _take_over(
        self, api: PrefectApi, existing: dict[str, Any], body: dict[str, Any], props: dict[str, Any]
    ) -> dict[str, Any]:
        what = self.what(props)
        if props.get(ADOPT_EXISTING):
            api.request("PATCH", f"{self.route}/{existing['id']}", what, json=self._patch(body))
            return self._by_id(api, str(existing["id"]), what)
        raise PrefectApiError(
            what,
            f"already exists on {api.api_url} (id {existing['id']}) and is not managed by this stack; "
            "choose another name, or set adopt_existing=True to manage (and later delete) it",
        )

    def _patch(self, body: dict[str, Any]) -> dict[str, Any]:
        return {field: body[field] for field in self.updatable if field in body}

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The live object with inputs rebuilt from it (see `refreshed_inputs`), or nothing when deleted."""
        with self.client(props) as api:
            try:
                stored = self._by_id(api, id_, self.what(props))
            except NotFound:
                return ReadResult(None, {})
        outs = self._outputs(stored, props)
        return ReadResult(id_, outs, refreshed_inputs(outs, self.fields))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """PATCH the updatable fields and return the stored object."""
        what = self.what(news)
        with self.client(news) as api:
            api.request("PATCH", f"{self.route}/{id_}", what, json=self._patch(self.body(news)))
            stored = self.written(api, self._by_id(api, id_, what), news)
        return UpdateResult(self._outputs(stored, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the object by its id; already gone is fine."""
        with self.client(props) as api:
            api.remove(f"{self.route}/{id_}", self.what(props))
