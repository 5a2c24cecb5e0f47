"""A copy of this project in a temporary directory, with its stack file edited, to render or run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support import ROOT
from tests.support.pulumi_mocks import CLOUD_STACK

#: What the program reads: the project and stack files, the program, the flows (prefect.yaml and sources).
_PROJECT_PARTS = ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "__main__.py", "flows")


def copy_project(target: Path, stack: str = "dev", **config: object) -> Path:
    """The project in `target`, with `config` (unnamespaced keys; None deletes one) set in the stack file."""
    target.mkdir(parents=True, exist_ok=True)
    for part in _PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target / part)
    stack_file = target / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(stack_file.read_text())
    for key, value in config.items():
        name = key if ":" in key else f"prefect-ecs-platform:{key}"
        if value is None:
            document["config"].pop(name, None)
        else:
            document["config"][name] = value
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False))
    return target


def cloud_project(target: Path, stack: str = "dev", **config: object) -> Path:
    """The project with a Prefect Cloud workspace URL in the stack file (push mode, no hosted server), as a team
    on Prefect Cloud commits it."""
    return copy_project(target, stack, **{**CLOUD_STACK, **config})


def run_render(
    project: Path, out: Path, stack: str = "dev", *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The render command, run as a user runs it, from the project directory."""
    return subprocess.run(
        [sys.executable, "-m", "prefect_ecs_platform", "render", "--stack", stack, "--out", str(out), *extra],
        cwd=project,
        env=env if env is not None else dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def read_render(out: Path) -> dict[str, bytes]:
    return {str(path.relative_to(out)): path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()}
