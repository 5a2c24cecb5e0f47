"""Mistakes in the stack file, flows/prefect.yaml and the flow code, as `pulumi up` reports them: each named the
way the user wrote it, every stage reported in one go, nothing registered. The cases live in
`tests/support/error_catalogue.py`, which also writes docs/configuration-errors.md.
"""

from __future__ import annotations

import ast
import logging
import runpy
from typing import Any

import pulumi
import pytest
from prefect.cli.deploy._models import DeploymentConfig

from prefect_ecs_platform import InvalidInputError
from prefect_ecs_platform.inputs.declarations import DECLARATIONS
from prefect_ecs_platform.inputs.prefect_yaml import _DEPLOYMENT_REASONS, OVERRIDE_KEYS
from tests.support import ROOT
from tests.support.error_catalogue import DOC, MISTAKES, Mistake, dev_config, markdown, problem_lines
from tests.support.pulumi_mocks import PulumiHarness

NS = "prefect-ecs-platform"


@pytest.mark.parametrize("mistake", MISTAKES, ids=[f"{m.where}: {m.title}" for m in MISTAKES])
def test_a_mistake_is_reported_as_written_before_anything_exists(mistake: Mistake) -> None:
    lines, registered = problem_lines(mistake)
    assert lines, "the mistake passed silently"
    assert lines[0].startswith(mistake.first_line), lines
    assert registered == 0


def test_every_stack_key_and_override_key_has_a_case() -> None:
    covered = {m.where for m in MISTAKES}
    stack_keys = {d.key for d in DECLARATIONS}
    assert stack_keys - covered == set()
    assert {f"deploymentOverrides.{key}" for key in OVERRIDE_KEYS} - covered == set()


def test_every_prefect_yaml_deployment_key_the_platform_honours_has_a_case() -> None:
    honoured = set(DeploymentConfig.model_fields) - set(_DEPLOYMENT_REASONS)
    covered = {m.where for m in MISTAKES if m.prefect_yaml is not None}
    assert honoured - {w.split(".")[0] for w in covered} == set()
    assert {"work_pool.job_variables", "work_pool.work_queue_name"} <= covered


def _entrypoint_error_openings() -> set[str]:
    """The fixed opening of each message read_flow_source raises, read from its source."""
    tree = ast.parse((ROOT / "components/prefect_ecs_platform/inputs/flow_source.py").read_text())
    openings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            call = node.exc
            if isinstance(call.func, ast.Name) and call.func.id == "EntrypointError" and call.args:
                message = call.args[0]
                first = message.values[0] if isinstance(message, ast.JoinedStr) else message
                if isinstance(first, ast.Constant):
                    openings.add(str(first.value).split(";")[0].strip())
    return openings


def test_every_flow_code_failure_has_a_case() -> None:
    """Each way read_flow_source refuses a flow appears in some case's first line."""
    openings = _entrypoint_error_openings()
    # Prefect's own schema failure: with annotations resolved first, no source found here still makes it fail.
    openings.discard("a flow Prefect can compute a parameter schema for:")
    assert len(openings) >= 5
    uncovered = {o for o in openings if not any(o in m.first_line for m in MISTAKES)}
    assert uncovered == set()


def test_the_committed_catalogue_is_what_the_cases_write() -> None:
    assert DOC.read_text() == markdown(), "run: python -m tests.support.error_catalogue --write"


def _push_section_and_a_bad_cron(document: dict[str, Any]) -> None:
    document["push"] = [{"prefect_docker.deployments.steps.push_docker_image": {}}]
    document["deployments"][1]["schedules"][0]["cron"] = "every morning"


def test_mistakes_in_every_stage_are_reported_together() -> None:
    """A bad key in the stack file, a bad value the component rules refuse, a `push:` section and a bad cron
    in prefect.yaml: all four in one error, each in its own notation."""
    mistake = Mistake(
        "mistakes in every stage",
        "several",
        "",
        stack={"useFargateSpot": "maybe", "logRetentionDays": "10"},
        prefect_yaml=_push_section_and_a_bad_cron,
    )
    lines, registered = problem_lines(mistake)
    assert registered == 0
    joined = "\n".join(lines)
    assert "useFargateSpot: 'maybe' is not allowed; true or false" in joined
    assert "logRetentionDays: 10 is not allowed" in joined
    assert "prefect.yaml:push:" in joined
    assert "prefect.yaml:deployments[etl-daily].schedules[0].cron: 'every morning' is not allowed" in joined


def test_the_problems_error_is_a_run_error() -> None:
    """Pulumi's language host prints a RunError's message without a Python traceback."""
    assert issubclass(InvalidInputError, pulumi.RunError)


def test_keys_nothing_reads_and_a_plain_text_key_are_warned_about(
    pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = dev_config(**{"prefect:cpu": "512"})
    monkeypatch.chdir(ROOT)
    pulumi.runtime.set_mocks(
        pulumi_harness.mocks, project=NS, stack="dev", preview=False, monitor=pulumi_harness.monitor
    )
    pulumi.runtime.set_all_config(config, secret_keys=[])
    with caplog.at_level(logging.WARNING):
        pulumi_harness.run(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__") and None)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert (
        "config key prefect:cpu: nothing reads the 'prefect' namespace; did you mean prefect-ecs-platform:cpu?"
        in warnings
    )
    assert any(w.startswith("prefectApiKey is stored in plain text in the stack file") for w in warnings)
