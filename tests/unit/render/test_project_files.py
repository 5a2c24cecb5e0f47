"""The stack's config as the Pulumi CLI hands it to the program, read from the files without the CLI.

Expected messages are the CLI's own wording (pulumi/pulumi `sdk/go/common/workspace/config.go`, whose tests
assert e.g. "Stack 'dev' is missing configuration value 'values'"), behind the `validating stack config: `
prefix `pulumi up` adds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prefect_ecs_platform.render.project_files import StackFilesError, load_stack_files, matches_type
from tests.support import ROOT

PROJECT = """\
name: proj
runtime: python
config:
  url:
    type: string
  cpu:
    type: integer
    default: 1024
  spot:
    type: boolean
    default: false
  queues:
    type: array
    items:
      type: string
    default: []
  aws:region:
    value: eu-west-1
"""


def project(tmp_path: Path, stack_yaml: str, project_yaml: str = PROJECT) -> Path:
    (tmp_path / "Pulumi.yaml").write_text(project_yaml)
    (tmp_path / "Pulumi.dev.yaml").write_text(stack_yaml)
    (tmp_path / "__main__.py").write_text("")
    return tmp_path


def error_of(root: Path, *overrides: str) -> str:
    with pytest.raises(StackFilesError) as raised:
        load_stack_files(root, "dev", overrides)
    return str(raised.value)


def test_declared_defaults_are_merged_as_the_text_the_program_receives(tmp_path: Path) -> None:
    """Defaults reach the program like any stack value: scalars as text, lists as JSON; values too."""
    files = load_stack_files(project(tmp_path, "config:\n  proj:url: http://x/api\n"), "dev")
    assert files.config == {
        "aws:region": "eu-west-1",
        "proj:cpu": "1024",
        "proj:queues": "[]",
        "proj:spot": "false",
        "proj:url": "http://x/api",
    }
    assert files.secret_keys == ()


def test_a_stack_value_keeps_the_text_it_was_written_with(tmp_path: Path) -> None:
    """`0512` stays "0512" and a map becomes compact JSON with sorted keys, as the CLI encodes them."""
    stack = "config:\n  proj:url: http://x/api\n  proj:cpu: 0512\n  proj:tags:\n    z: 1\n    a: 'b'\n"
    files = load_stack_files(project(tmp_path, stack), "dev")
    assert files.config["proj:cpu"] == "0512"
    assert files.config["proj:tags"] == '{"a":"b","z":1}'


def test_one_missing_key_is_named(tmp_path: Path) -> None:
    assert error_of(project(tmp_path, "config: {}\n")) == (
        "validating stack config: Stack 'dev' is missing configuration value 'url'"
    )


def test_several_missing_keys_are_listed_sorted_in_one_error(tmp_path: Path) -> None:
    declared = PROJECT + "  beta:\n    type: string\n  alpha:\n    type: string\n"
    assert error_of(project(tmp_path, "config: {}\n", declared)) == (
        "validating stack config: Stack 'dev' is missing configuration values 'alpha', 'beta' and 'url'"
    )


@pytest.mark.parametrize(
    ("line", "key", "type_name"),
    [
        ("proj:cpu: 1 vCPU", "cpu", "integer"),
        ("proj:cpu: 2.5", "cpu", "integer"),
        ("proj:spot: yes", "spot", "boolean"),
        # yaml.v3 keeps `True` as the text "True", which the CLI's boolean check refuses.
        ("proj:spot: True", "spot", "boolean"),
        ("proj:queues: [1, 2]", "queues", "array<string>"),
        ("proj:queues: default", "queues", "array<string>"),
        ("proj:url: [a]", "url", "string"),
    ],
)
def test_a_declared_type_is_checked_with_the_clis_message(tmp_path: Path, line: str, key: str, type_name: str) -> None:
    stack = f"config:\n  proj:url: http://x/api\n  {line}\n"
    assert error_of(project(tmp_path, stack)) == (
        f"validating stack config: Stack 'dev' with configuration key '{key}' must be of type '{type_name}'"
    )


def test_the_first_mismatch_in_key_order_is_reported(tmp_path: Path) -> None:
    """The CLI stops at the first bad key of the sorted declarations."""
    stack = "config:\n  proj:url: http://x/api\n  proj:spot: maybe\n  proj:cpu: lots\n"
    assert "key 'cpu'" in error_of(project(tmp_path, stack))


@pytest.mark.parametrize(
    ("type_name", "value", "accepted"),
    [
        ("integer", "-12", True),
        ("integer", "+7", True),
        ("integer", " 7", False),
        ("integer", "1_000", False),
        ("integer", str(2**63), False),
        ("integer", True, False),
        ("boolean", "false", True),
        ("boolean", "FALSE", False),
        ("string", "", True),
    ],
)
def test_scalar_types_accept_what_the_cli_accepts(type_name: str, value: object, accepted: bool) -> None:
    assert matches_type(type_name, None, value) is accepted


def test_secure_values_become_marked_secret_placeholders(tmp_path: Path) -> None:
    """The ciphertext never reaches the program; the key is passed as secret, like a decrypted one."""
    stack = (
        "config:\n  proj:url: http://x/api\n  proj:apiKey:\n    secure: v1:c2VjcmV0Y2lwaGVy\n"
        "  proj:nested:\n    token:\n      secure: v1:bmVzdGVk\n"
    )
    files = load_stack_files(project(tmp_path, stack), "dev")
    assert files.config["proj:apiKey"] == "<secret: proj:apiKey, encrypted in Pulumi.dev.yaml>"
    assert json.loads(files.config["proj:nested"]) == {"token": "<secret: proj:nested, encrypted in Pulumi.dev.yaml>"}
    assert files.secret_keys == ("proj:apiKey", "proj:nested")
    assert "c2VjcmV0Y2lwaGVy" not in json.dumps(files.config)


def test_config_overrides_are_set_on_top_of_the_stack_file(tmp_path: Path) -> None:
    """`--config key=value` works like `pulumi up --config`: the project namespace unless one is given."""
    files = load_stack_files(project(tmp_path, "config: {}\n"), "dev", ["url=http://y/api", "aws:region=us-east-1"])
    assert (files.config["proj:url"], files.config["aws:region"]) == ("http://y/api", "us-east-1")
    assert error_of(tmp_path, "url") == "--config 'url': write it as key=value"


def test_an_esc_environment_is_refused_rather_than_ignored(tmp_path: Path) -> None:
    root = project(tmp_path, "environment:\n  - team/dev\nconfig:\n  proj:url: http://x/api\n")
    assert "Pulumi ESC environment" in error_of(root)


def test_a_missing_stack_file_is_named(tmp_path: Path) -> None:
    project(tmp_path, "config: {}\n")
    with pytest.raises(StackFilesError, match=r"Pulumi\.staging\.yaml does not exist"):
        load_stack_files(tmp_path, "staging")


def test_the_committed_project_loads_with_its_declared_defaults() -> None:
    """Every key Pulumi.yaml declares reaches the program for dev, default or set, and nothing is secret."""
    files = load_stack_files(ROOT, "dev", ["prefectApiUrl=http://x/api"])
    assert files.config["prefect-ecs-platform:subnetLayout"] == "public"
    assert files.config["prefect-ecs-platform:workerCount"] == "1"
    assert files.config["prefect-ecs-platform:prefectYaml"] == "flows/prefect.yaml"
    assert json.loads(files.config["prefect-ecs-platform:deploymentOverrides"]) == {"*": {"schedules_active": False}}
    assert files.program == ROOT / "__main__.py"
