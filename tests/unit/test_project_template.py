"""Pulumi.yaml as a `pulumi new` template. `pulumi new` cannot run here: its shape is checked instead.

The schema is Pulumi's own for project files (pulumi/pulumi `sdk/go/common/workspace/project.json`, copied
into tests/data), which the CLI validates Pulumi.yaml against.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.support import ROOT

SCHEMA = json.loads((ROOT / "tests" / "data" / "pulumi-project.schema.json").read_text())


def project(path: Path = ROOT / "Pulumi.yaml") -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text()))


@pytest.mark.parametrize(
    "path", [ROOT / "Pulumi.yaml", ROOT / "bootstrap" / "Pulumi.yaml", ROOT / "examples/consumer/Pulumi.yaml"]
)
def test_project_files_are_valid_for_the_cli(path: Path) -> None:
    jsonschema.validate(project(path), SCHEMA)


def test_the_schema_check_rejects_what_the_cli_rejects() -> None:
    """The check above can fail: an unknown template key and an array without items are refused."""
    broken = {**project(), "template": {"description": "x", "prompt": "y"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)
    broken = {**project(), "config": {"queues": {"type": "array"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_the_template_asks_for_the_workspace_url_and_the_key_as_a_secret() -> None:
    template = project()["template"]
    config = template["config"]
    assert set(config) == {"aws:region", "prefectApiUrl", "prefectApiKey"}
    assert "default" not in config["prefectApiUrl"]
    assert "api.prefect.cloud/api/accounts/" in config["prefectApiUrl"]["description"]
    assert config["prefectApiKey"] == {**config["prefectApiKey"], "secret": True}
    assert "default" not in config["prefectApiKey"]
    dev_region = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]["aws:region"]
    assert config["aws:region"]["default"] == dev_region


def test_the_template_says_what_it_contains_and_what_to_run() -> None:
    template = project()["template"]
    for part in ("ECS Fargate", "IAM", "work pool", "deployments", "flows/prefect.yaml"):
        assert part in template["description"]
    for command in ("scripts/render dev", "scripts/up dev"):
        assert command in template["quickstart"]
    for script in ("scripts/render", "scripts/up"):
        assert (ROOT / script).is_file()


def test_the_asked_key_is_not_a_declared_one() -> None:
    """A declared key without a default is required, and the API key may come from PREFECT_API_KEY instead."""
    assert "prefectApiKey" not in project()["config"]
    assert "prefectApiUrl" in project()["config"]
