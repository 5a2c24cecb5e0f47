"""The README's main-job command on a machine without the Pulumi CLI."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT


def test_up_without_pulumi_cli_says_how_to_install_it(tmp_path: Path) -> None:
    """scripts/up stops before touching anything and names the ways to install the CLI."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "cat"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "up"), "dev"],
        env={"PATH": str(bin_dir), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 127
    assert "The Pulumi CLI is not installed" in result.stderr
    assert "brew install pulumi/tap/pulumi" in result.stderr


FAKE_PULUMI = """#!/usr/bin/env bash
# Stands in for the Pulumi CLI: logged in, every stack has a Prefect API URL; records each call.
echo "$*" >> "$PULUMI_CALLS"
"""


def _project_copy(tmp_path: Path) -> Path:
    """The scripts and the files that pin the install, with a virtualenv already installed from them."""
    project = tmp_path / "project"
    for relative in ("scripts/up", "scripts/destroy", "scripts/lib/stack.sh", "requirements.txt",
                     "requirements/constraints.txt", "pyproject.toml"):  # fmt: skip
        target = project / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, target)
    (project / ".venv" / "bin").mkdir(parents=True)
    python = project / ".venv" / "bin" / "python"
    python.write_text("#!/bin/sh\necho 'the install was not skipped' >&2\nexit 1\n")
    python.chmod(0o755)
    pins = b"".join(
        (project / f).read_bytes() for f in ("requirements.txt", "requirements/constraints.txt", "pyproject.toml")
    )
    (project / ".venv" / ".installed-requirements").write_text(hashlib.sha256(pins).hexdigest() + "\n")
    return project


def _run_script(tmp_path: Path, script: str, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    project = _project_copy(tmp_path)
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text(FAKE_PULUMI)
    (bin_dir / "pulumi").chmod(0o755)
    calls = tmp_path / "calls"
    result = subprocess.run(
        ["bash", str(project / "scripts" / script), *args],
        env={"PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(tmp_path), "PULUMI_CALLS": str(calls)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result, calls.read_text().splitlines() if calls.exists() else []


def test_destroy_runs_the_program_so_delete_hooks_stop_the_tasks(tmp_path: Path) -> None:
    """scripts/destroy ends in `pulumi destroy --run-program` for the stack, passing extra options on."""
    result, calls = _run_script(tmp_path, "destroy", "prod", "--yes")
    assert result.returncode == 0, result.stderr
    assert calls[-1] == "destroy --run-program --stack prod --yes"
    assert "stack select --create prod" in calls


def test_up_runs_pulumi_up_without_reinstalling_an_unchanged_install(tmp_path: Path) -> None:
    """scripts/up skips the install when nothing that pins it changed, then runs `pulumi up`."""
    result, calls = _run_script(tmp_path, "up", "dev")
    assert result.returncode == 0, result.stderr
    assert calls[-1] == "up --stack dev"


def test_destroy_needs_a_stack_name(tmp_path: Path) -> None:
    """Destroying is never done to a default stack."""
    result, calls = _run_script(tmp_path, "destroy")
    assert result.returncode != 0
    assert "usage: scripts/destroy STACK" in result.stderr
    assert calls == []
