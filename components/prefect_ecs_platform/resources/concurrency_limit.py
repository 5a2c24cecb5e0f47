"""`ConcurrencyLimit`: a Prefect global concurrency limit (`/v2/concurrency_limits/`) managed by Pulumi."""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from pulumi.dynamic import CheckFailure

from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.resources._provider import connection_props, known, model_failures
from prefect_ecs_platform.resources.named_object import NamedObjectProvider
from prefect_ecs_platform.resources.normalise import contains_unknown

#: `active_slots` is the server's count of taken slots: never sent, so an update leaves running flows' slots.
FIELDS = ("name", "limit", "active", "slot_decay_per_second")


def concurrency_limit_failures(props: dict[str, Any]) -> list[CheckFailure]:
    """Prefect's `GlobalConcurrencyLimitCreate` rules: a name without / % & < >, a limit of 0 or more."""
    unknown = {field for field in FIELDS if contains_unknown(props.get(field))}
    failures = model_failures(GlobalConcurrencyLimitCreate, known(props, FIELDS), skip=unknown)
    if "name" not in unknown and not props.get("name"):
        failures.append(CheckFailure("name", "a global concurrency limit needs a name"))
    return failures


class ConcurrencyLimitProvider(NamedObjectProvider):
    """CRUD for `/v2/concurrency_limits/`, whose routes take a limit's id or name."""

    kind: ClassVar[str] = "global concurrency limit"
    route: ClassVar[str] = "/v2/concurrency_limits"
    fields: ClassVar[tuple[str, ...]] = FIELDS
    updatable: ClassVar[tuple[str, ...]] = ("limit", "active", "slot_decay_per_second")

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        """See `concurrency_limit_failures`."""
        return concurrency_limit_failures(props)

    def read_by_name(self, api: PrefectApi, name: str, what: str, props: dict[str, Any]) -> dict[str, Any]:
        return api.read(f"{self.route}/{PrefectApi.segment(name)}", what)


class ConcurrencyLimit(pulumi.dynamic.Resource, module="prefect", name="ConcurrencyLimit"):
    """A Prefect global concurrency limit. `id` is its Prefect UUID."""

    name: pulumi.Output[str]
    """The limit's name (a change replaces it)."""
    limit: pulumi.Output[int]
    """How many slots may be taken at once."""
    active: pulumi.Output[bool]
    """Whether the limit applies."""
    slot_decay_per_second: pulumi.Output[float]
    """Slots freed per second when used as a rate limit."""
    api_url: pulumi.Output[str]
    """The Prefect API the limit lives in."""
    adopt_existing: pulumi.Output[bool]
    """Whether an existing limit of that name was allowed to be taken over."""

    def __init__(  # noqa: PLR0913 -- one keyword per input of the concurrency limit resource
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        limit: pulumi.Input[int],
        api_url: pulumi.Input[str],
        active: pulumi.Input[bool] = True,
        slot_decay_per_second: pulumi.Input[float] = 0.0,
        adopt_existing: bool = False,
        api_key: pulumi.Input[str] | None = None,
        api_auth_string: pulumi.Input[str] | None = None,
        api_auth_string_from_stack: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a global concurrency limit; keyword names match a `GlobalConcurrencyLimitCreate` body."""
        props: dict[str, Any] = {
            "name": name,
            "limit": limit,
            "active": active,
            "slot_decay_per_second": slot_decay_per_second,
            **connection_props(api_url, adopt_existing, api_key, api_auth_string, api_auth_string_from_stack),
        }
        super().__init__(ConcurrencyLimitProvider(), resource_name, props, opts)
