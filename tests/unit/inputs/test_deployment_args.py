"""DeploymentArgs and ScheduleArgs: defaults, derived schedule slugs, and documented fields."""

from __future__ import annotations

import ast
import dataclasses
import inspect

import pytest

from prefect_ecs_platform.inputs import deployment_args
from prefect_ecs_platform.inputs.deployment_args import DeploymentArgs, ScheduleArgs


def test_schedule_slug_defaults_to_deployment_name_and_position() -> None:
    """A schedule without a slug gets `<slugified deployment name>-<position>`."""
    deployment = DeploymentArgs(
        name="ETL Daily", entrypoint="flows/etl.py:etl", schedules=[ScheduleArgs(cron="0 6 * * *")] * 2
    )

    assert [deployment.schedule_slug(i) for i in range(2)] == ["etl-daily-0", "etl-daily-1"]


def test_explicit_schedule_slug_is_kept() -> None:
    """A slug given on the schedule wins over the derived one."""
    deployment = DeploymentArgs(
        name="etl", entrypoint="flows/etl.py:etl", schedules=[ScheduleArgs(interval=60, slug="every-minute")]
    )

    assert deployment.schedule_slug(0) == "every-minute"


def test_derived_slugs_are_stable_across_instances() -> None:
    """Equal args derive equal slugs, so a second `pulumi up` sends the same schedule identities."""

    def build() -> DeploymentArgs:
        return DeploymentArgs(name="etl", entrypoint="flows/etl.py:etl", schedules=[ScheduleArgs(rrule="FREQ=DAILY")])

    assert build().schedule_slug(0) == build().schedule_slug(0) == "etl-0"


def test_defaults() -> None:
    """Parameter schemas are enforced, deployments unpaused and schedules active unless said otherwise."""
    deployment = DeploymentArgs(name="etl", entrypoint="flows/etl.py:etl")

    assert deployment.enforce_parameter_schema is True
    assert deployment.paused is False
    assert (deployment.cpu, deployment.memory) == (None, None)
    assert ScheduleArgs(cron="* * * * *").active is True


def test_mutable_defaults_are_not_shared() -> None:
    """Each instance gets its own parameters and job_variables mappings."""
    first = DeploymentArgs(name="a", entrypoint="flows/etl.py:etl")
    second = DeploymentArgs(name="b", entrypoint="flows/etl.py:etl")

    assert first.parameters is not second.parameters
    assert first.job_variables is not second.job_variables


@pytest.mark.parametrize("cls", [DeploymentArgs, ScheduleArgs])
def test_args_are_keyword_only(cls: type) -> None:
    """Positional arguments are refused, so field order can change without breaking callers."""
    with pytest.raises(TypeError):
        cls("etl", "flows/etl.py:etl")


@pytest.mark.parametrize("cls", [DeploymentArgs, ScheduleArgs])
def test_every_field_has_a_docstring(cls: type) -> None:
    """Each dataclass field is followed by its docstring in the source."""
    module = ast.parse(inspect.getsource(deployment_args))
    class_def = next(n for n in module.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__)
    documented = {
        statement.target.id
        for statement, following in zip(class_def.body, class_def.body[1:], strict=False)
        if isinstance(statement, ast.AnnAssign)
        and isinstance(statement.target, ast.Name)
        and isinstance(following, ast.Expr)
        and isinstance(following.value, ast.Constant)
        and isinstance(following.value.value, str)
    }

    assert documented == {f.name for f in dataclasses.fields(cls)}
