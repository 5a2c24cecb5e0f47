"""`WorkPool`: a Prefect work pool managed through the REST API by a Pulumi dynamic provider."""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
from prefect.client.schemas.actions import WorkPoolCreate
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from prefect_ecs_platform.inputs.prefect_names import work_pool_name_problems
from prefect_ecs_platform.prefect_api import Conflict, NotFound, PrefectApi, PrefectApiError
from prefect_ecs_platform.resources._provider import (
    ADOPT_EXISTING,
    API_URL,
    PrefectProvider,
    connection_props,
    failures_from,
    known,
    model_failures,
    refreshed_inputs,
)
from prefect_ecs_platform.resources.normalise import contains_unknown, same_value, set_fields
from prefect_ecs_platform.resources.own_write import is_own_retried_write

FIELDS = (
    "name",
    "type",
    "description",
    "base_job_template",
    "is_paused",
    "concurrency_limit",
    "storage_configuration",
)
# What PATCH /work_pools/{name} accepts; name and type can only change by replacement.
UPDATABLE = ("description", "base_job_template", "is_paused", "concurrency_limit", "storage_configuration")


def create_body(props: dict[str, Any]) -> dict[str, Any]:
    """The body of the provider's POST /work_pools/ for the resource's inputs."""
    return set_fields(props, FIELDS)


def work_pool_failures(props: dict[str, Any]) -> list[CheckFailure]:
    """Input rules for a work pool: Prefect's `WorkPoolCreate` plus what the server refuses on top."""
    body = known(props, FIELDS)
    unknown = {f for f in FIELDS if contains_unknown(props.get(f))}
    failures = model_failures(WorkPoolCreate, body, skip=unknown)
    name = body.get("name")
    if "name" not in unknown and not name:
        failures.append(CheckFailure("name", "a work pool needs a name"))
    elif isinstance(name, str):
        failures += failures_from(work_pool_name_problems(name, field="name"), "name")
    template = body.get("base_job_template")
    if isinstance(template, dict) and template and not {"job_configuration", "variables"} <= template.keys():
        failures.append(
            CheckFailure(
                "base_job_template",
                f"a base job template needs both 'job_configuration' and 'variables' sections, got {sorted(template)}",
            )
        )
    return failures


class WorkPoolProvider(PrefectProvider):
    """CRUD for `/work_pools/`; the Pulumi id is the pool's UUID, routes address it by name."""

    fields: ClassVar[tuple[str, ...]] = FIELDS
    replace_fields: ClassVar[tuple[str, ...]] = (API_URL, "name", "type")

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        """See `work_pool_failures`."""
        return work_pool_failures(props)

    @staticmethod
    def _outputs(stored: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        outs = {f: stored.get(f) for f in FIELDS}
        outs[API_URL] = props[API_URL]
        outs[ADOPT_EXISTING] = bool(props.get(ADOPT_EXISTING))
        return outs

    def _matches(self, body: dict[str, Any], stored: dict[str, Any]) -> bool:
        return all(same_value(value, stored.get(field)) for field, value in body.items())

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the pool; an existing pool of that name is taken over only with `adopt_existing`."""
        body = create_body(props)
        name = str(body["name"])
        with self.client(props) as api:
            # Looked up first: a pool that is there before our POST is never taken for our own write.
            try:
                stored = self._take_over(api, api.read_work_pool(name), body, props)
            except NotFound:
                try:
                    stored, _ = api.create_work_pool(body)
                except Conflict as exc:
                    existing = api.read_work_pool(name)
                    if is_own_retried_write(exc, same_content=self._matches(body, existing)):
                        stored = existing
                    else:
                        stored = self._take_over(api, existing, body, props)
        return CreateResult(str(stored["id"]), self._outputs(stored, props))

    def _take_over(
        self, api: PrefectApi, existing: dict[str, Any], body: dict[str, Any], props: dict[str, Any]
    ) -> dict[str, Any]:
        name = str(existing["name"])
        if props.get(ADOPT_EXISTING):
            api.update_work_pool(name, {f: body[f] for f in UPDATABLE if f in body})
            return api.read_work_pool(name)
        raise PrefectApiError(
            f"work pool {name!r}",
            f"already exists on {api.api_url} (id {existing['id']}) and is not managed by this stack; "
            "choose another name, or set adopt_existing=True to manage (and later delete) that pool",
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The live pool with inputs rebuilt from it (see `refreshed_inputs`), or nothing when deleted."""
        with self.client(props) as api:
            try:
                stored = api.read_work_pool(str(props["name"]))
            except NotFound:
                return ReadResult(None, {})
        outs = self._outputs(stored, props)
        return ReadResult(str(stored["id"]), outs, refreshed_inputs(outs, FIELDS))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """PATCH the updatable fields and return the full stored pool."""
        name = str(news["name"])
        with self.client(news) as api:
            api.update_work_pool(name, set_fields(news, UPDATABLE))
            stored = api.read_work_pool(name)
        return UpdateResult(self._outputs(stored, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the pool; a pool already gone, or recreated outside Pulumi under a new id, is left alone."""
        name = str(props["name"])
        with self.client(props) as api:
            try:
                stored = api.read_work_pool(name)
            except NotFound:
                return
            if str(stored["id"]) == id_:
                api.delete_work_pool(name)


class WorkPool(pulumi.dynamic.Resource, module="prefect", name="WorkPool"):
    """A Prefect work pool. `id` is the pool's Prefect UUID."""

    name: pulumi.Output[str]
    """The pool's name (a change replaces the pool)."""
    type: pulumi.Output[str]
    """The pool's worker type, e.g. "ecs" or "ecs:push" (a change replaces the pool)."""
    description: pulumi.Output[str | None]
    """The pool's description."""
    base_job_template: pulumi.Output[dict[str, Any]]
    """The stored base job template (`job_configuration` and `variables`)."""
    is_paused: pulumi.Output[bool]
    """Whether the pool is paused."""
    concurrency_limit: pulumi.Output[int | None]
    """The pool's concurrency limit, None for unlimited."""
    storage_configuration: pulumi.Output[dict[str, Any]]
    """The pool's result/bundle storage configuration."""
    api_url: pulumi.Output[str]
    """The Prefect API the pool lives in."""
    adopt_existing: pulumi.Output[bool]
    """Whether an existing pool of that name was allowed to be taken over."""

    def __init__(  # noqa: PLR0913 -- one keyword per input of the work pool resource
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        api_url: pulumi.Input[str],
        type: pulumi.Input[str] = "ecs",
        base_job_template: pulumi.Input[dict[str, Any]] | None = None,
        description: pulumi.Input[str] | None = None,
        is_paused: pulumi.Input[bool] | None = None,
        concurrency_limit: pulumi.Input[int] | None = None,
        storage_configuration: pulumi.Input[dict[str, Any]] | None = None,
        adopt_existing: bool = False,
        api_key: pulumi.Input[str] | None = None,
        api_auth_string: pulumi.Input[str] | None = None,
        api_auth_string_from_stack: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a work pool; `api_key` is only a fallback (see `credentials`) and should be a secret."""
        props: dict[str, Any] = {
            "name": name,
            "type": type,
            "base_job_template": base_job_template,
            "description": description,
            "is_paused": is_paused,
            "concurrency_limit": concurrency_limit,
            "storage_configuration": storage_configuration,
            **connection_props(api_url, adopt_existing, api_key, api_auth_string, api_auth_string_from_stack),
        }
        super().__init__(WorkPoolProvider(), resource_name, props, opts)
