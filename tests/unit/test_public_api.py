"""The import contract other Pulumi projects rely on."""

from __future__ import annotations

import dataclasses

import prefect_ecs_platform
from prefect_ecs_platform import (
    DeploymentArgs,
    PrefectEcsPlatform,
    PrefectEcsPlatformArgs,
    ScheduleArgs,
    load_prefect_yaml,
)
from prefect_ecs_platform.inputs.declarations import attribute_docstrings
from prefect_ecs_platform.platform import OUTPUT_NAMES


def test_documented_names_are_importable_from_the_package() -> None:
    """The component, its args, deployment args and the prefect.yaml loader come from the package root."""
    assert {
        "PrefectEcsPlatform",
        "PrefectEcsPlatformArgs",
        "DeploymentArgs",
        "ScheduleArgs",
        "load_prefect_yaml",
    } <= set(prefect_ecs_platform.__all__)
    assert callable(load_prefect_yaml)
    assert issubclass(PrefectEcsPlatform, prefect_ecs_platform.platform.pulumi.ComponentResource)


def test_args_are_keyword_only_typed_dataclasses() -> None:
    """Args are built with keyword arguments and every field carries a type."""
    for cls in (PrefectEcsPlatformArgs, DeploymentArgs, ScheduleArgs):
        fields = dataclasses.fields(cls)
        assert all(field.kw_only for field in fields), cls
        assert all(field.type for field in fields), cls


def test_every_arg_is_documented() -> None:
    """Each field of the public args classes has a docstring right after it in the source."""
    for cls in (PrefectEcsPlatformArgs, DeploymentArgs, ScheduleArgs):
        documented = attribute_docstrings(cls)
        for field in dataclasses.fields(cls):
            assert documented.get(field.name, "").strip(), f"{cls.__name__}.{field.name}"


def test_every_annotated_output_is_registered_and_exported() -> None:
    """The outputs declared on the class are exactly the ones registered and exported by __main__.py."""
    assert set(OUTPUT_NAMES) == set(PrefectEcsPlatform.__annotations__)
    assert len(OUTPUT_NAMES) == len(set(OUTPUT_NAMES))
