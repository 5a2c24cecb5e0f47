"""The declarations: every argument is one, the stack model follows them, and the generated files are current."""

from __future__ import annotations

import dataclasses

import pytest

from prefect_ecs_platform import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.declarations import (
    DECLARATIONS,
    EXCEPTIONS,
    MODEL_KEYS,
    RENAMED_KEYS,
    REQUIRED,
    SECRET_KEYS,
    WORKER_ONLY,
    argument_docstrings,
    special,
)
from prefect_ecs_platform.inputs.stack_config import StackConfig
from tests.support.configuration_docs import COMMAND, DOC, PROJECT, markdown, project_file

URL = "https://prefect.internal/api"


def test_each_key_is_declared_once() -> None:
    keys = [d.key for d in DECLARATIONS]
    assert len(keys) == len(set(keys))
    assert len({d.field for d in DECLARATIONS}) == len(keys)


def test_every_argument_is_a_stack_key_or_python_only_with_a_reason() -> None:
    arguments = {f.name for f in dataclasses.fields(PrefectEcsPlatformArgs)}
    from_stack = {d.field for d in DECLARATIONS if d.component}
    python_only = {f for f, row in EXCEPTIONS.items() if row.python_only}
    assert from_stack | python_only == arguments
    assert not from_stack & python_only


def test_the_model_has_exactly_the_declared_non_secret_keys() -> None:
    assert {d.field for d in MODEL_KEYS} == set(StackConfig.model_fields)
    assert {d.key for d in MODEL_KEYS} == {f.alias for f in StackConfig.model_fields.values()}
    assert not set(SECRET_KEYS) & {f.alias for f in StackConfig.model_fields.values()}


def test_the_model_has_the_declared_defaults() -> None:
    for d in MODEL_KEYS:
        field = StackConfig.model_fields[d.field]
        if d.default is REQUIRED:
            assert field.is_required(), d.key
        else:
            assert field.get_default(call_default_factory=True) == d.default, d.key


def test_a_stack_file_of_defaults_makes_the_arguments_a_python_user_gets_by_default() -> None:
    """Empty stack values become the arguments' own defaults (None, not ""), apart from the derived ones."""
    args = StackConfig.model_validate({"prefectApiUrl": URL}).to_args(stack="dev", prefect_api_key=None)
    python = PrefectEcsPlatformArgs(prefect_api_url=URL, work_pool_name="ecs-dev", deployment_name_suffix="-dev")
    assert (args.work_pool_name, args.deployment_name_suffix) == ("ecs-dev", "-dev")
    for field in dataclasses.fields(PrefectEcsPlatformArgs):
        assert _plain(getattr(args, field.name)) == _plain(getattr(python, field.name)), field.name


def _plain(value: object) -> object:
    # A stack file's lists arrive as lists; the arguments' defaults are tuples.
    return list(value) if isinstance(value, (list, tuple)) else value


@pytest.mark.parametrize(
    ("key", "written", "field", "argument"),
    [
        ("assignPublicIp", "", "assign_public_ip", None),
        ("assignPublicIp", "true", "assign_public_ip", True),
        ("assignPublicIp", "false", "assign_public_ip", False),
        ("vpcId", "", "vpc_id", None),
        ("subnetIds", [], "subnet_ids", None),
        ("subnetIds", ["subnet-1"], "subnet_ids", ["subnet-1"]),
        ("workPoolName", "", "work_pool_name", "ecs-prod"),
        ("workPoolName", "etl", "work_pool_name", "etl"),
        ("deploymentNameSuffix", "-{stack}-eu", "deployment_name_suffix", "-prod-eu"),
        ("deploymentNameSuffix", "", "deployment_name_suffix", ""),
        ("workQueueNames", [], "work_queue_names", []),
        ("useFargateSpot", "true", "use_fargate_spot", True),
    ],
)
def test_a_stack_value_becomes_the_argument_the_declaration_says(
    key: str, written: object, field: str, argument: object
) -> None:
    model = StackConfig.model_validate({"prefectApiUrl": URL, key: written})
    assert getattr(model.to_args(stack="prod", prefect_api_key=None), field) == argument


def test_the_exceptions_table_names_arguments_or_retired_keys_only() -> None:
    arguments = {f.name for f in dataclasses.fields(PrefectEcsPlatformArgs)}
    for field, row in EXCEPTIONS.items():
        assert (field in arguments) != bool(row.replaced_by), field
    assert not set(RENAMED_KEYS) & {d.key for d in DECLARATIONS}
    assert {special(d.field).secret for d in DECLARATIONS if d.key in SECRET_KEYS} == {True}
    assert set(WORKER_ONLY) <= set(StackConfig.model_fields)


def test_every_declaration_says_what_it_means_and_shows_an_example() -> None:
    for d in DECLARATIONS:
        assert d.description.strip(), d.key
        assert d.example.strip(), d.key
        assert d.modes, d.key
        assert set(d.modes) <= {"push", "worker"}, d.key
    assert set(argument_docstrings()) == {f.name for f in dataclasses.fields(PrefectEcsPlatformArgs)}


def test_the_committed_project_file_and_docs_are_what_the_declarations_write() -> None:
    assert PROJECT.read_text() == project_file(PROJECT.read_text()), f"run: {COMMAND}"
    assert DOC.read_text() == markdown(), f"run: {COMMAND}"
