"""The job variables a deployment may set, as prefect-aws's ECS template declares them."""

from __future__ import annotations

from prefect_ecs_platform.inputs.job_variables import template_variable_names


def test_variable_names_are_what_job_variables_may_set() -> None:
    """cpu, memory, image and env are settable; an unknown name is not."""
    names = template_variable_names()
    assert {"cpu", "memory", "image", "env", "launch_type"} <= names
    assert "replicas" not in names
