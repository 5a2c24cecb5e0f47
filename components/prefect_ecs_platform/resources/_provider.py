"""What every Prefect dynamic provider shares: credentials, client creation, check and diff plumbing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import pulumi
import pydantic
from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, DiffResult, ResourceProvider

from prefect_ecs_platform.inputs.prefect_names import api_url_problems
from prefect_ecs_platform.inputs.problems import Problem
from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.resources import credentials
from prefect_ecs_platform.resources.normalise import contains_unknown, same_value

# Inputs that steer the provider rather than describe the Prefect object.
API_URL = "api_url"
ADOPT_EXISTING = "adopt_existing"


def connection_props(
    api_url: pulumi.Input[str],
    adopt_existing: bool,
    api_key: pulumi.Input[str] | None,
    api_auth_string: pulumi.Input[str] | None,
    api_auth_string_from_stack: bool = False,
) -> dict[str, Any]:
    """Where and how a resource reaches Prefect; credentials only ever as secret inputs (see `credentials`)."""
    props = {
        API_URL: api_url,
        ADOPT_EXISTING: adopt_existing,
        **{
            credential.input_key: pulumi.Output.secret(value) if value is not None else None
            for credential, value in ((credentials.API_KEY, api_key), (credentials.AUTH_STRING, api_auth_string))
        },
    }
    # Only when set, so the inputs of stacks that do not host their server stay exactly as they were.
    if api_auth_string_from_stack:
        props[credentials.AUTH_STRING_FROM_STACK] = True
    return props


def refreshed_inputs(outputs: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The inputs a refresh records: the live value of each field the inputs carry, taken from `outputs`.

    Pulumi's engine keeps a resource's old inputs through `pulumi refresh` unless Read returns new ones
    (pkg/resource/deploy/step.go, `RefreshStep.Apply`), and on the next `pulumi up` it puts an
    `ignore_changes` path back to its old input before Check and Diff (pkg/resource/deploy/step_generator.go,
    `processIgnoreChanges`). Diff compares with the old outputs, which the refresh made live: with stale
    inputs a field the UI owns would be reverted to its value from before the refresh. Live inputs keep it.
    Credentials are never among `fields`: Read sees only old outputs, which never hold them.
    """
    return {field: outputs.get(field) for field in (*fields, API_URL, ADOPT_EXISTING)}


def known(props: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The fields that are set and known (not None, not an unknown preview value)."""
    return {f: props[f] for f in fields if props.get(f) is not None and not contains_unknown(props[f])}


def model_failures(model: type[pydantic.BaseModel], body: dict[str, Any], skip: set[str]) -> list[CheckFailure]:
    """Validate `body` with a Prefect action model; one failure per bad field, ignoring fields in `skip`."""
    try:
        model.model_validate(body)
    except pydantic.ValidationError as exc:
        failures: list[CheckFailure] = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            if field in skip:
                continue
            where = ".".join(str(p) for p in error["loc"])
            failures.append(CheckFailure(field, f"{where}: {error['msg']}"))
        return failures
    return []


def failures_from(problems: Iterable[Problem], field: str) -> list[CheckFailure]:
    """The component's validation problems as check failures on the resource's `field`."""
    return [CheckFailure(field, str(problem)) for problem in problems]


def api_url_failures(props: dict[str, Any]) -> list[CheckFailure]:
    """`api_url` follows the component's rule: a Prefect Cloud workspace URL, or a server URL ending in /api."""
    value = props.get(API_URL)
    if contains_unknown(value):
        return []
    return failures_from(api_url_problems(str(value or "")), API_URL)


class PrefectProvider(ResourceProvider):
    """Base for the Prefect providers: holds no state, so its pickle carries no credential."""

    # Inputs that describe the Prefect object, compared in diff and echoed (live) in outputs.
    fields: ClassVar[tuple[str, ...]] = ()
    # Inputs whose change cannot be applied in place.
    replace_fields: ClassVar[tuple[str, ...]] = (API_URL,)
    # Inputs that make up the object's unique key on the server: while they stay the same, a replacement
    # must delete the old object first or the new one would collide with it.
    identity_fields: ClassVar[tuple[str, ...]] = ("name",)
    # Fields whose None is a setting of its own (no limit), compared like any value; any other field left
    # None is the server's.
    nullable: ClassVar[tuple[str, ...]] = ()

    def configure(self, req: ConfigureRequest) -> None:
        """Remember the stack's credentials in process memory (see `credentials`), never on `self`."""
        credentials.remember_configuration(req)

    def client(self, props: dict[str, Any]) -> PrefectApi:
        """A client for the API named by the props, authenticated with credentials found at call time."""
        return PrefectApi(
            str(props[API_URL]),
            credentials.api_key(props),
            auth_string=credentials.auth_string(props),
            shared=True,
        )

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        """Resource-specific input rules; unknown values must be tolerated."""
        return []

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Return every input problem as a failure instead of raising."""
        return CheckResult(news, api_url_failures(news) + self.validate(news))

    def field_equal(self, field: str) -> Callable[[Any, Any], bool]:
        """How a desired value compares to the stored one for `field`; exact after number normalisation."""
        return same_value

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare desired inputs with the last known server state, normalised; name/type changes replace."""
        changed: list[str] = []
        for field in (API_URL, *self.fields):
            desired = news.get(field)
            if desired is None and field not in self.nullable:
                # An input left unset leaves the server's value alone, so it is no change.
                continue
            if contains_unknown(desired) or not self.field_equal(field)(desired, olds.get(field)):
                changed.append(field)
        replaces = [f for f in changed if f in self.replace_fields]
        same_key = not any(f in changed for f in (API_URL, *self.identity_fields))
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces) and same_key)
