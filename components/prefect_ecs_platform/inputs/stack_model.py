"""`StackConfig`: the stack file's model, built from the declarations, and its turning into component args."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

import pulumi
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model
from pydantic_core import PydanticCustomError

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.declarations import MODEL_KEYS, REQUIRED, Declaration
from prefect_ecs_platform.inputs.deployment_args import DeploymentArgs


def _true_or_false(value: object) -> object:
    # pydantic would take yes, on, 1 and more; the stack file's boolean keys take what the CLI's check does.
    if isinstance(value, str) and value not in ("true", "false"):
        raise PydanticCustomError("bool_parsing", "true or false")
    return value


TrueOrFalse = Annotated[bool, BeforeValidator(_true_or_false)]
_TYPES: dict[str, Any] = {"string": str, "integer": int, "boolean": TrueOrFalse, "array": list[str]}


class StackModel(BaseModel):
    """What every stack model has; `StackConfig` adds one field per declared key."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid", frozen=True)

    if TYPE_CHECKING:
        # The fields are made from the declarations at import, which a type checker does not run.
        def __getattr__(self, name: str) -> Any: ...

    def to_args(
        self,
        *,
        stack: str,
        prefect_api_key: pulumi.Input[str] | None,
        prefect_api_auth_string: pulumi.Input[str] | None = None,
        deployments: Sequence[DeploymentArgs] = (),
    ) -> PrefectEcsPlatformArgs:
        values = {d.field: d.component_value(getattr(self, d.field), stack) for d in MODEL_KEYS if d.component}
        return PrefectEcsPlatformArgs(
            **values,
            prefect_api_key=prefect_api_key,
            prefect_api_auth_string=prefect_api_auth_string,
            deployments=deployments,
        )


def _model_type(declaration: Declaration) -> Any:
    if declaration.model_type is not None:
        return declaration.model_type
    if declaration.choices:
        return Literal[(*([""] if declaration.optional else []), *declaration.choices)]
    return _TYPES.get(declaration.kind, dict[str, str])


def _field(declaration: Declaration) -> Any:
    if declaration.default is REQUIRED:
        return Field(alias=declaration.key)
    default = declaration.default
    if isinstance(default, (list, dict)):
        return Field(default_factory=lambda: copy.deepcopy(default), alias=declaration.key)
    return Field(default, alias=declaration.key)


_FIELDS: dict[str, Any] = {d.field: (_model_type(d), _field(d)) for d in MODEL_KEYS}
#: Every non-secret key a stack may set.
StackConfig = create_model("StackConfig", __base__=StackModel, __module__=__name__, **_FIELDS)
