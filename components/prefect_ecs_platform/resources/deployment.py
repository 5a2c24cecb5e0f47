"""`Deployment`: a Prefect deployment and its schedules, managed by a Pulumi dynamic provider.

POST /deployments/ is an upsert on (flow, name) that silently replaces an existing deployment and recreates
all its schedules, so `create` looks the name up first and refuses to take over unless asked. Updates use
PATCH, which keeps schedules it is not sent: schedules are keyed by slug, only changed ones are sent (a
resent interval schedule would get a new anchor date), and removed ones are deleted one by one.
"""

# No `from __future__ import annotations` here: Pulumi reads this class's annotations for every instance,
# and as strings each of the 27 would be compiled again every time.
from typing import Any, ClassVar

import pulumi
from prefect.client.schemas.actions import DeploymentCreate
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, UpdateResult

from prefect_ecs_platform.prefect_api import Conflict, NotFound, PrefectApiError
from prefect_ecs_platform.resources._provider import (
    ADOPT_EXISTING,
    API_URL,
    PrefectProvider,
    connection_props,
    known,
    model_failures,
    refreshed_inputs,
)
from prefect_ecs_platform.resources.normalise import (
    changed_schedules,
    contains_unknown,
    same_value,
    set_fields,
    stored_concurrency_limit,
    stored_schedules,
)

UPDATABLE = (
    "work_pool_name",
    "work_queue_name",
    "schedules",
    "parameters",
    "job_variables",
    "tags",
    "description",
    "version",
    "entrypoint",
    "path",
    "pull_steps",
    "paused",
    "concurrency_limit",
    "concurrency_options",
    "enforce_parameter_schema",
    "parameter_openapi_schema",
)
# name and flow_name form the deployment's unique key; PATCH cannot change either.
FIELDS = ("name", "flow_name", *UPDATABLE)
# Which stack's resource this is, as a label on the deployment. POST /deployments/ is the only write
# that takes labels, so it marks what this stack created; a create whose answer was lost while the server
# went away finds its own deployment under this label on the rerun and carries on instead of refusing.
OWNER = "owner"
OWNER_LABEL = "pulumi.resource"
# The pool's Prefect id. Deleting a pool orphans its deployments, and a replaced pool keeps its name, so
# only a new id tells that the deployment must be attached again (an update re-sends work_pool_name).
POOL_ID = "work_pool_id"


def create_body(props: dict[str, Any], flow_id: str) -> dict[str, Any]:
    """The body of the provider's POST /deployments/ for the resource's inputs, once the flow's id is known."""
    body = {**set_fields(props, (*UPDATABLE, "name")), "flow_id": flow_id}
    if props.get(OWNER):
        body["labels"] = {OWNER_LABEL: props[OWNER]}
    return body


def deployment_failures(props: dict[str, Any]) -> list[CheckFailure]:
    """Input rules: Prefect's `DeploymentCreate` (cron, timezone, ...) plus a unique slug per schedule."""
    body = known(props, (*UPDATABLE, "name"))
    unknown = {f for f in FIELDS if contains_unknown(props.get(f))}
    # The flow id is resolved from flow_name at create time.
    failures = model_failures(DeploymentCreate, body, skip=unknown | {"flow_id"})
    for field in ("name", "flow_name"):
        if field not in unknown and not props.get(field):
            failures.append(CheckFailure(field, f"a deployment needs a {field}"))
    schedules = body.get("schedules")
    if isinstance(schedules, list):
        slugs = [s.get("slug") if isinstance(s, dict) else None for s in schedules]
        if any(not slug for slug in slugs):
            failures.append(CheckFailure("schedules", "every schedule needs a 'slug': schedules are updated by slug"))
        duplicates = sorted({str(s) for s in slugs if s and slugs.count(s) > 1})
        if duplicates:
            failures.append(CheckFailure("schedules", f"schedule slugs must be unique, repeated: {duplicates}"))
    return failures


def _created_by(stored: dict[str, Any], props: dict[str, Any]) -> bool:
    """Whether this resource created the stored deployment (a create the engine never recorded)."""
    owner = props.get(OWNER)
    return bool(owner) and (stored.get("labels") or {}).get(OWNER_LABEL) == owner


def _same_schedules(desired: Any, stored: Any) -> bool:
    return changed_schedules(list(desired or []), list(stored or [])) == []


class DeploymentProvider(PrefectProvider):
    """CRUD for `/deployments/`; the Pulumi id is the deployment's UUID."""

    fields: ClassVar[tuple[str, ...]] = FIELDS
    replace_fields: ClassVar[tuple[str, ...]] = (API_URL, "name", "flow_name")
    identity_fields: ClassVar[tuple[str, ...]] = ("name", "flow_name")

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        """See `deployment_failures`."""
        return deployment_failures(props)

    def field_equal(self, field: str) -> Any:
        """Schedules compare by slug and meaning; everything else by value."""
        return _same_schedules if field == "schedules" else same_value

    @staticmethod
    def _outputs(stored: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        outs = {f: stored.get(f) for f in UPDATABLE}
        # In the order of the schedules input (outputs keep it through a refresh, where props are outputs).
        outs["schedules"] = stored_schedules(stored, [s.get("slug") for s in props.get("schedules") or []])
        outs["concurrency_limit"] = stored_concurrency_limit(stored)
        outs["name"] = stored["name"]
        outs["flow_name"] = props["flow_name"]
        outs["flow_id"] = str(stored["flow_id"])
        outs[API_URL] = props[API_URL]
        outs[ADOPT_EXISTING] = bool(props.get(ADOPT_EXISTING))
        outs[POOL_ID] = props.get(POOL_ID)
        return outs

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """As for every resource, plus: a replaced pool (a new id under the same name) needs an update."""
        result = super().diff(id_, olds, news)
        pool_id = news.get(POOL_ID)
        if result.changes or pool_id is None:
            return result
        if contains_unknown(pool_id) or pool_id != olds.get(POOL_ID):
            return DiffResult(changes=True, replaces=[], delete_before_replace=False)
        return result

    @staticmethod
    def _what(props: dict[str, Any]) -> str:
        return f"deployment {props.get('flow_name')}/{props.get('name')}"

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the flow if needed, then the deployment; on failure a flow made here is removed again."""
        flow_name = str(props["flow_name"])
        what = self._what(props)
        with self.client(props) as api:
            try:
                existing = api.read_deployment_by_name(flow_name, str(props["name"]))
            except NotFound:
                existing = None
            if existing is not None and not props.get(ADOPT_EXISTING) and not _created_by(existing, props):
                raise PrefectApiError(
                    what,
                    f"already exists on {api.api_url} (id {existing['id']}) and is not managed by this stack; "
                    "choose another name, or set adopt_existing=True to manage (and later delete) it",
                )
            remembered = api.remembers_flow(flow_name)
            flow_id, new_flow = api.ensure_flow(flow_name)
            try:
                try:
                    stored = api.upsert_deployment(create_body(props, flow_id), what)
                except Conflict:
                    if not remembered:
                        raise
                    # The remembered flow was deleted meanwhile (the server answers a missing flow with 409).
                    api.forget_flow(flow_name)
                    flow_id, new_flow = api.ensure_flow(flow_name)
                    stored = api.upsert_deployment(create_body(props, flow_id), what)
            except PrefectApiError:
                if new_flow:
                    api.delete_flow(flow_id)
                raise
        return CreateResult(str(stored["id"]), self._outputs(stored, props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The live deployment with inputs rebuilt from it (see `refreshed_inputs`), or nothing when deleted."""
        with self.client(props) as api:
            try:
                stored = api.read_deployment(id_)
            except NotFound:
                return ReadResult(None, {})
        outs = self._outputs(stored, props)
        return ReadResult(id_, outs, refreshed_inputs(outs, (*FIELDS, POOL_ID)))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """PATCH in place, sending only changed schedules and deleting removed ones by id."""
        body = set_fields(news, UPDATABLE)
        what = self._what(news)
        with self.client(news) as api:
            current = api.read_deployment(id_)
            if "job_variables" in body and "work_pool_name" not in body and current.get("work_pool_name"):
                # The server validates job_variables against the pool only when the pool is in the PATCH.
                body["work_pool_name"] = current["work_pool_name"]
            removed = self._plan_schedules(body, current)
            api.update_deployment(id_, body, what)
            for schedule in removed:
                api.delete_deployment_schedule(id_, str(schedule["id"]), f"{what} schedule {schedule['slug']!r}")
            stored = api.read_deployment(id_)
        return UpdateResult(self._outputs(stored, news))

    @staticmethod
    def _plan_schedules(body: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
        """Trim body["schedules"] to what PATCH must send; return the stored schedules to delete."""
        if "schedules" not in body:
            return []
        desired: list[dict[str, Any]] = list(body.pop("schedules"))
        stored: list[dict[str, Any]] = list(current.get("schedules") or [])
        if not stored or not all(s.get("slug") for s in stored):
            # Without slugs on every stored schedule the server replaces the whole set with what is sent.
            body["schedules"] = desired
            return []
        changed = set(changed_schedules(desired, stored_schedules(current)))
        to_send = [d for d in desired if d.get("slug") in changed]
        if to_send:
            body["schedules"] = to_send
        desired_slugs = {d.get("slug") for d in desired}
        return [s for s in stored if s.get("slug") not in desired_slugs]

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the deployment; already gone is fine. Its flow stays: flows also own run history."""
        with self.client(props) as api:
            api.delete_deployment(id_)


class Deployment(pulumi.dynamic.Resource, module="prefect", name="Deployment"):
    """A Prefect deployment with its schedules. `id` is the deployment's Prefect UUID."""

    name: pulumi.Output[str]
    """The deployment's name (a change replaces it)."""
    flow_name: pulumi.Output[str]
    """The flow's name; the flow is created when missing (a change replaces the deployment)."""
    flow_id: pulumi.Output[str]
    """The flow's Prefect UUID."""
    work_pool_name: pulumi.Output[str | None]
    """The work pool that runs it."""
    work_pool_id: pulumi.Output[str | None]
    """The pool's Prefect id, when given: a new id (the pool was replaced) re-attaches the deployment."""
    work_queue_name: pulumi.Output[str | None]
    """The pool's queue; Prefect uses "default" when unset."""
    schedules: pulumi.Output[list[dict[str, Any]]]
    """The stored schedules in the order of the `schedules` input (others after, by slug): `slug`, `schedule`,
    `active`, `max_scheduled_runs`, `parameters`."""
    parameters: pulumi.Output[dict[str, Any]]
    """Default flow parameters."""
    job_variables: pulumi.Output[dict[str, Any]]
    """Overrides of the pool's base job template variables."""
    tags: pulumi.Output[list[str]]
    """Tags."""
    description: pulumi.Output[str | None]
    """Description."""
    version: pulumi.Output[str | None]
    """Version string."""
    entrypoint: pulumi.Output[str | None]
    """`path/to/file.py:flow_function`."""
    path: pulumi.Output[str | None]
    """Working directory the entrypoint is relative to."""
    pull_steps: pulumi.Output[list[dict[str, Any]] | None]
    """prefect.yaml-style pull steps."""
    paused: pulumi.Output[bool]
    """Whether the deployment is paused."""
    concurrency_limit: pulumi.Output[int | None]
    """Concurrent runs allowed (read back from the server's global concurrency limit)."""
    concurrency_options: pulumi.Output[dict[str, Any] | None]
    """What happens to runs over the limit."""
    enforce_parameter_schema: pulumi.Output[bool]
    """Whether parameters are validated against `parameter_openapi_schema`."""
    parameter_openapi_schema: pulumi.Output[dict[str, Any] | None]
    """The flow's parameter schema."""
    api_url: pulumi.Output[str]
    """The Prefect API the deployment lives in."""
    adopt_existing: pulumi.Output[bool]
    """Whether an existing deployment of that name was allowed to be taken over."""

    def __init__(  # noqa: PLR0913 -- one keyword per input of the deployment resource
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        flow_name: pulumi.Input[str],
        api_url: pulumi.Input[str],
        work_pool_name: pulumi.Input[str] | None = None,
        work_pool_id: pulumi.Input[str] | None = None,
        work_queue_name: pulumi.Input[str] | None = None,
        schedules: pulumi.Input[list[dict[str, Any]]] | None = None,
        parameters: pulumi.Input[dict[str, Any]] | None = None,
        job_variables: pulumi.Input[dict[str, Any]] | None = None,
        tags: pulumi.Input[list[str]] | None = None,
        description: pulumi.Input[str] | None = None,
        version: pulumi.Input[str] | None = None,
        entrypoint: pulumi.Input[str] | None = None,
        path: pulumi.Input[str] | None = None,
        pull_steps: pulumi.Input[list[dict[str, Any]]] | None = None,
        paused: pulumi.Input[bool] | None = None,
        concurrency_limit: pulumi.Input[int] | None = None,
        concurrency_options: pulumi.Input[dict[str, Any]] | None = None,
        enforce_parameter_schema: pulumi.Input[bool] | None = None,
        parameter_openapi_schema: pulumi.Input[dict[str, Any]] | None = None,
        adopt_existing: bool = False,
        api_key: pulumi.Input[str] | None = None,
        api_auth_string: pulumi.Input[str] | None = None,
        api_auth_string_from_stack: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a deployment; keyword names match a `DeploymentCreate` body with `flow_name` for `flow_id`."""
        props: dict[str, Any] = {
            "name": name,
            "flow_name": flow_name,
            "flow_id": None,
            "work_pool_name": work_pool_name,
            POOL_ID: work_pool_id,
            "work_queue_name": work_queue_name,
            "schedules": schedules,
            "parameters": parameters,
            "job_variables": job_variables,
            "tags": tags,
            "description": description,
            "version": version,
            "entrypoint": entrypoint,
            "path": path,
            "pull_steps": pull_steps,
            "paused": paused,
            "concurrency_limit": concurrency_limit,
            "concurrency_options": concurrency_options,
            "enforce_parameter_schema": enforce_parameter_schema,
            "parameter_openapi_schema": parameter_openapi_schema,
            **connection_props(api_url, adopt_existing, api_key, api_auth_string, api_auth_string_from_stack),
            OWNER: f"{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}",
        }
        super().__init__(DeploymentProvider(), resource_name, props, opts)
