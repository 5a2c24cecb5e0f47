"""`WorkQueue`: a work queue of a Prefect work pool, managed by Pulumi.

A queue is unique by name within its pool: it is made with `POST /work_pools/{pool}/queues/` and looked up by
name there, then read, patched and deleted by its UUID (`/work_queues/{id}`). A queue the server made on its
own (a deployment or a worker that named it first) is not taken over without `adopt_existing`.

Priorities: the stack owns the order of its pool's queues. When a queue is made with a priority another queue
holds, the server moves that queue and those behind it down (`bulk_update_work_queue_priorities`), resolving
ties left by earlier writes on the way; a PATCH sets one queue's priority and moves nothing. So after writing
a queue, the provider reads the pool's queues and puts each of the stack's (`pool_priorities`, which the
platform passes to every queue) at its own priority and every other queue of the pool, `default` included,
after them in the order they had. The platform chains its queues (each depends on the one before it), so no
two of these writes overlap; the last leaves the pool in the declared order, and the next `pulumi up` finds
nothing to change.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
from prefect.client.schemas.actions import WorkQueueCreate
from pulumi.dynamic import CheckFailure

from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.resources._provider import API_URL, connection_props, known, model_failures
from prefect_ecs_platform.resources.named_object import NamedObjectProvider
from prefect_ecs_platform.resources.normalise import contains_unknown, set_fields

POOL_NAME, POOL_ID, ORDER = "work_pool_name", "work_pool_id", "pool_priorities"
#: What a POST or PATCH body carries.
_BODY = ("name", "description", "is_paused", "concurrency_limit", "priority")
FIELDS = (*_BODY, POOL_NAME, POOL_ID)


def work_queue_failures(props: dict[str, Any]) -> list[CheckFailure]:
    """Prefect's `WorkQueueCreate` rules (a name without / % & < >, a priority of 1 or more, a concurrency limit
    of 0 or more), and a pool to be in."""
    unknown = {field for field in FIELDS if contains_unknown(props.get(field))}
    failures = model_failures(WorkQueueCreate, known(props, _BODY), skip=unknown)
    for field in ("name", POOL_NAME):
        if field not in unknown and not props.get(field):
            failures.append(CheckFailure(field, f"a work queue needs a {field}"))
    return failures


class WorkQueueProvider(NamedObjectProvider):
    """CRUD for one queue of a work pool."""

    kind: ClassVar[str] = "work queue"
    route: ClassVar[str] = "/work_queues"
    fields: ClassVar[tuple[str, ...]] = FIELDS
    updatable: ClassVar[tuple[str, ...]] = ("description", "is_paused", "concurrency_limit", "priority")
    replace_fields: ClassVar[tuple[str, ...]] = (API_URL, "name", POOL_NAME, POOL_ID)
    identity_fields: ClassVar[tuple[str, ...]] = ("name", POOL_NAME, POOL_ID)
    #: No limit is a setting of its own: removing a queue's limit from the stack removes it from the server.
    nullable: ClassVar[tuple[str, ...]] = ("concurrency_limit",)

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        """See `work_queue_failures`."""
        return work_queue_failures(props)

    def what(self, props: dict[str, Any]) -> str:
        return f"work queue {props.get('name')!r} of work pool {props.get(POOL_NAME)!r}"

    def body(self, props: dict[str, Any]) -> dict[str, Any]:
        # A priority left out is the server's to choose and to change; no limit is sent as null to clear one.
        return {**set_fields(props, _BODY), "concurrency_limit": props.get("concurrency_limit")}

    def create_path(self, props: dict[str, Any]) -> str:
        return f"/work_pools/{PrefectApi.segment(str(props[POOL_NAME]))}/queues"

    def read_by_name(self, api: PrefectApi, name: str, what: str, props: dict[str, Any]) -> dict[str, Any]:
        return api.read(f"{self.create_path(props)}/{PrefectApi.segment(name)}", what)

    def _outputs(self, stored: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        # Not compared in diff: a queue whose own priority stays needs no write when others move.
        return {**super()._outputs(stored, props), ORDER: dict(props.get(ORDER) or {})}

    def written(self, api: PrefectApi, stored: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        """Put the pool's queues in the stack's order (see the module's docstring); `stored` as it is now."""
        declared = {str(name): int(priority) for name, priority in (props.get(ORDER) or {}).items()}
        if not declared:
            return stored
        what = f"the queues of work pool {props[POOL_NAME]!r}"
        queues, _ = api.request("POST", f"{self.create_path(props)}/filter", what, json={})
        behind = max(declared.values())
        for queue in queues:
            wanted = declared.get(queue["name"])
            if wanted is None:
                behind += 1
                wanted = behind
            if queue["priority"] != wanted:
                other = self.what({"name": queue["name"], POOL_NAME: props[POOL_NAME]})
                api.request("PATCH", f"{self.route}/{queue['id']}", other, json={"priority": wanted})
                if queue["id"] == stored["id"]:
                    stored = {**stored, "priority": wanted}
        return stored


class WorkQueue(pulumi.dynamic.Resource, module="prefect", name="WorkQueue"):
    """A work queue of a Prefect work pool. `id` is its Prefect UUID."""

    name: pulumi.Output[str]
    """The queue's name (a change replaces it)."""
    work_pool_name: pulumi.Output[str]
    """The pool it belongs to (a change replaces it)."""
    work_pool_id: pulumi.Output[str | None]
    """The pool's id: a replaced pool (made anew, without queues) replaces the queue too."""
    description: pulumi.Output[str]
    """Shown with the queue in the UI."""
    is_paused: pulumi.Output[bool]
    """Whether the queue holds its runs back."""
    concurrency_limit: pulumi.Output[int | None]
    """How many of its runs may be in flight; none for no limit."""
    priority: pulumi.Output[int]
    """Its priority in the pool (1 is polled first)."""
    pool_priorities: pulumi.Output[dict[str, int]]
    """The priority of each of the stack's queues of the pool."""
    api_url: pulumi.Output[str]
    """The Prefect API the queue lives in."""
    adopt_existing: pulumi.Output[bool]
    """Whether an existing queue of that name was allowed to be taken over."""

    def __init__(  # noqa: PLR0913 -- one keyword per input of the work queue resource
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        work_pool_name: pulumi.Input[str],
        api_url: pulumi.Input[str],
        work_pool_id: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] = "",
        is_paused: pulumi.Input[bool] = False,
        concurrency_limit: pulumi.Input[int] | None = None,
        priority: pulumi.Input[int] | None = None,
        pool_priorities: pulumi.Input[dict[str, int]] | None = None,
        adopt_existing: bool = False,
        api_key: pulumi.Input[str] | None = None,
        api_auth_string: pulumi.Input[str] | None = None,
        api_auth_string_from_stack: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a work queue; keyword names match a `WorkQueueCreate` body. `priority` left out is the
        server's to choose; `pool_priorities` is what `PrefectEcsPlatform` passes (see the module's docstring)."""
        props: dict[str, Any] = {
            "name": name,
            POOL_NAME: work_pool_name,
            POOL_ID: work_pool_id,
            "description": description,
            "is_paused": is_paused,
            "concurrency_limit": concurrency_limit,
            "priority": priority,
            ORDER: pool_priorities if pool_priorities is not None else {},
            **connection_props(api_url, adopt_existing, api_key, api_auth_string, api_auth_string_from_stack),
        }
        super().__init__(WorkQueueProvider(), resource_name, props, opts)
