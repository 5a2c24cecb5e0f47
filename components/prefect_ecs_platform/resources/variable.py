"""`Variable`: a Prefect variable (`/variables/`) managed by Pulumi. Values are not secret in Prefect: a
credential belongs in a Secret block or AWS Secrets Manager, never in a variable."""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
from prefect.client.schemas.actions import VariableCreate
from pulumi.dynamic import CheckFailure

from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.resources._provider import connection_props, known, model_failures
from prefect_ecs_platform.resources.named_object import NamedObjectProvider
from prefect_ecs_platform.resources.normalise import contains_unknown, numbers

FIELDS = ("name", "value", "tags")


def variable_failures(props: dict[str, Any]) -> list[CheckFailure]:
    """Prefect's `VariableCreate` rules: a name of lowercase letters, digits, dashes and underscores (at most
    255), and a value that is JSON of under 5000 characters."""
    unknown = {field for field in FIELDS if contains_unknown(props.get(field))}
    body = known(props, FIELDS)
    # `value` may be JSON null; `known` drops None, so it goes back for the model to judge.
    if "value" not in unknown:
        body["value"] = props.get("value")
    return model_failures(VariableCreate, body, skip=unknown)


class VariableProvider(NamedObjectProvider):
    """CRUD for `/variables/`: by id, and `/variables/name/{name}` for the lookup before a create."""

    kind: ClassVar[str] = "variable"
    route: ClassVar[str] = "/variables"
    fields: ClassVar[tuple[str, ...]] = FIELDS
    updatable: ClassVar[tuple[str, ...]] = ("value", "tags")

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        """See `variable_failures`."""
        return variable_failures(props)

    def body(self, props: dict[str, Any]) -> dict[str, Any]:
        # A null value is a value; `tags` left out is none.
        return {"name": props["name"], "value": numbers(props.get("value")), "tags": list(props.get("tags") or [])}

    def read_by_name(self, api: PrefectApi, name: str, what: str, props: dict[str, Any]) -> dict[str, Any]:
        return api.read(f"{self.route}/name/{PrefectApi.segment(name)}", what)


class Variable(pulumi.dynamic.Resource, module="prefect", name="Variable"):
    """A Prefect variable. `id` is its Prefect UUID."""

    name: pulumi.Output[str]
    """The variable's name (a change replaces it)."""
    value: pulumi.Output[Any]
    """Its JSON value."""
    tags: pulumi.Output[list[str]]
    """Its tags."""
    api_url: pulumi.Output[str]
    """The Prefect API the variable lives in."""
    adopt_existing: pulumi.Output[bool]
    """Whether an existing variable of that name was allowed to be taken over."""

    def __init__(  # noqa: PLR0913 -- one keyword per input of the variable resource
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        value: pulumi.Input[Any],
        api_url: pulumi.Input[str],
        tags: pulumi.Input[list[str]] | None = None,
        adopt_existing: bool = False,
        api_key: pulumi.Input[str] | None = None,
        api_auth_string: pulumi.Input[str] | None = None,
        api_auth_string_from_stack: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a variable; keyword names match a `VariableCreate` body."""
        props: dict[str, Any] = {
            "name": name,
            "value": value,
            "tags": tags if tags is not None else [],
            **connection_props(api_url, adopt_existing, api_key, api_auth_string, api_auth_string_from_stack),
        }
        super().__init__(VariableProvider(), resource_name, props, opts)
