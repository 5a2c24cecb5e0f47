"""The stack keys' declarations: the model, the exceptions table and the generated files agree with them."""

from __future__ import annotations

from prefect_ecs_platform.inputs.declarations import (
    DECLARATIONS,
    EXCEPTIONS,
    RENAMED_KEYS,
    REQUIRED,
    SECRET_KEYS,
    WORKER_ONLY,
    special,
)
from prefect_ecs_platform.inputs.stack_config import StackConfig
from tests.support.configuration_docs import COMMAND, DOC, PROJECT, markdown, project_file

NON_SECRET = [d for d in DECLARATIONS if not special(d).secret]


def test_each_key_is_declared_once() -> None:
    keys = [d.key for d in DECLARATIONS]
    assert len(keys) == len(set(keys))
    assert len({d.field for d in DECLARATIONS}) == len(keys)


def test_the_model_has_exactly_the_declared_non_secret_keys() -> None:
    """A key added to the declarations or to StackConfig alone fails here."""
    assert {d.field for d in NON_SECRET} == set(StackConfig.model_fields)
    assert {d.key for d in NON_SECRET} == {f.alias for f in StackConfig.model_fields.values()}
    assert not set(SECRET_KEYS) & {f.alias for f in StackConfig.model_fields.values()}


def test_the_model_has_the_declared_defaults() -> None:
    for d in NON_SECRET:
        field = StackConfig.model_fields[d.field]
        if d.default is REQUIRED:
            assert field.is_required(), d.key
        else:
            assert field.get_default(call_default_factory=True) == d.default, d.key


def test_the_exceptions_table_names_declared_or_retired_keys_only() -> None:
    declared = {d.field for d in DECLARATIONS}
    for field, row in EXCEPTIONS.items():
        assert (field in declared) != bool(row.replaced_by), field
    assert not set(RENAMED_KEYS) & {d.key for d in DECLARATIONS}
    # A map cannot be typed in Pulumi.yaml; everything else is.
    assert {d.field for d in DECLARATIONS if d.kind == "map"} == {
        f for f, row in EXCEPTIONS.items() if row.no_pulumi_type
    }
    assert set(WORKER_ONLY) <= set(StackConfig.model_fields)


def test_every_declaration_says_what_it_means_and_shows_an_example() -> None:
    for d in DECLARATIONS:
        assert d.description.strip(), d.key
        assert d.example.strip(), d.key
        assert d.modes, d.key
        assert set(d.modes) <= {"push", "worker"}, d.key


def test_the_committed_project_file_and_docs_are_what_the_declarations_write() -> None:
    assert PROJECT.read_text() == project_file(PROJECT.read_text()), f"run: {COMMAND}"
    assert DOC.read_text() == markdown(), f"run: {COMMAND}"
