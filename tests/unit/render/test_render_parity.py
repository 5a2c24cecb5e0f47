"""A bad configuration fails render with exactly the message `pulumi up` gives for it.

Two kinds of mistake. Those the CLI catches before the program starts (a declared type, a missing key) are
compared with the CLI's wording (pulumi/pulumi `sdk/go/common/workspace/config.go`). Those the program
catches are compared with what the program raises when it runs as `pulumi up` runs it: the stack file's
values handed over as text, Pulumi.yaml's defaults merged in, as the engine does (built here by hand from
the YAML, independently of render's loader). Pulumi prints a program's error as `error: <message>`.
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from prefect_ecs_platform.render.cli import main
from tests.support.pulumi_mocks import CLOUD_URL, PulumiHarness
from tests.support.render_project import cloud_project


def _as_engine_text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def config_as_pulumi_up_hands_it(project: Path, stack: str) -> dict[str, str]:
    declared = yaml.safe_load((project / "Pulumi.yaml").read_text())["config"]
    config = {
        f"prefect-ecs-platform:{key}": _as_engine_text(d["default"]) for key, d in declared.items() if "default" in d
    }
    stack_config = yaml.safe_load((project / f"Pulumi.{stack}.yaml").read_text())["config"]
    config.update({key: _as_engine_text(value) for key, value in stack_config.items()})
    return config


def pulumi_up_error(harness: PulumiHarness, project: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The program run as `pulumi up` runs it; the error line Pulumi prints for what it raises."""
    monkeypatch.chdir(project)
    monkeypatch.delenv("PREFECT_API_KEY", raising=False)
    pulumi.runtime.set_mocks(
        harness.mocks, project="prefect-ecs-platform", stack="dev", preview=False, monitor=harness.monitor
    )
    pulumi.runtime.set_all_config(
        {**config_as_pulumi_up_hands_it(project, "dev"), "prefect-ecs-platform:prefectApiKey": "pnu_key"},
        secret_keys=["prefect-ecs-platform:prefectApiKey"],
    )
    with pytest.raises(Exception) as raised:  # noqa: PT011 - whatever the program raises is what Pulumi prints
        harness.run(lambda: runpy.run_path(str(project / "__main__.py"), run_name="__main__") and None)
    return f"error: {raised.value}"


def render_error(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    code = main(["render", "--stack", "dev", "--out", str(tmp_path / "out"), "--cwd", str(project)])
    assert code == 1
    assert not (tmp_path / "out").exists(), "a failed render writes nothing"
    return capsys.readouterr().err.rstrip("\n")


PROGRAM_MISTAKES: dict[str, dict[str, Any]] = {
    "retention CloudWatch does not offer": {"logRetentionDays": 10},
    "unknown mode": {"mode": "pull"},
    "cpu and memory Fargate refuses together": {"cpu": 256, "memory": 8192},
    "a key that was renamed": {"ecrForceDelete": True},
    "a prefect.yaml that does not exist": {"prefectYaml": "flows/missing.yaml"},
    "a push pool on a self-hosted server": {"prefectApiUrl": "http://prefect.internal:4200/api"},
    # Not required by Pulumi.yaml since a hosted server needs none: the program names both ways out.
    "no API URL": {"prefectApiUrl": None},
}


@pytest.mark.parametrize("mistake", PROGRAM_MISTAKES.values(), ids=PROGRAM_MISTAKES.keys())
def test_program_mistakes_fail_render_with_the_programs_own_message(
    mistake: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pulumi_harness: PulumiHarness,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = cloud_project(tmp_path / "project", **mistake)
    # Render first: it leaves Pulumi's runtime pointed at its own mocks, which the harness then replaces.
    rendered = render_error(project, tmp_path, capsys)
    expected = pulumi_up_error(pulumi_harness, project, monkeypatch)
    assert rendered == expected
    assert pulumi_harness.resources == []


CLI_MISTAKES: dict[str, tuple[dict[str, Any], str]] = {
    "a size in words": ({"cpu": "1 vCPU"}, "Stack 'dev' with configuration key 'cpu' must be of type 'integer'"),
    "yes for a boolean": (
        {"useFargateSpot": "yes"},
        "Stack 'dev' with configuration key 'useFargateSpot' must be of type 'boolean'",
    ),
    "numbers for subnet ids": (
        {"subnetIds": [1, 2]},
        "Stack 'dev' with configuration key 'subnetIds' must be of type 'array<string>'",
    ),
}


@pytest.mark.parametrize(("mistake", "message"), CLI_MISTAKES.values(), ids=CLI_MISTAKES.keys())
def test_mistakes_the_cli_catches_fail_render_with_the_clis_message(
    mistake: dict[str, Any], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = cloud_project(tmp_path / "project", **mistake)
    assert render_error(project, tmp_path, capsys) == f"error: validating stack config: {message}"


def test_the_oracle_config_runs_the_program_when_nothing_is_wrong(
    tmp_path: Path, pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hand-built config is a working one, so a parity failure above is the mistake's, not the oracle's."""
    project = cloud_project(tmp_path / "project")
    monkeypatch.chdir(project)
    config = config_as_pulumi_up_hands_it(project, "dev")
    assert config["prefect-ecs-platform:prefectApiUrl"] == CLOUD_URL
    pulumi.runtime.set_all_config({**config, "prefect-ecs-platform:prefectApiKey": "pnu_key"}, secret_keys=[])
    pulumi_harness.run(lambda: runpy.run_path(str(project / "__main__.py"), run_name="__main__") and None)
    assert len(pulumi_harness.of_type("pulumi-python:dynamic/prefect:Deployment")) == 2
