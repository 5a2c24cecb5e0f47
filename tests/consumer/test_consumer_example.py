"""examples/consumer: another Pulumi project that installs the platform as a package and uses it.

The package is built as a wheel and installed with the constraints file into an environment of its own,
never on this checkout's path; the example's program then runs under mocks from the example's directory
(the render command, which the wheel installs, runs it as `pulumi up` would). The environment's
dependencies take about two minutes and 630 MB to install, so it is kept between runs under the user's
cache directory, keyed by the pins; each run reinstalls only the freshly built wheel (seconds).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import ROOT
from tests.support.pulumi_mocks import CLOUD_URL

pytestmark = pytest.mark.consumer

EXAMPLE = ROOT / "examples" / "consumer"
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"


def _cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "prefect-ecs-platform"


def _run(*command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, f"{command}: {done.stdout[-2000:]}{done.stderr[-4000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def consumer_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python whose only prefect_ecs_platform is the wheel built from this checkout."""
    wheels = tmp_path_factory.mktemp("wheel")
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", wheels, ROOT)
    (wheel,) = wheels.glob("prefect_ecs_platform-*.whl")
    pins = hashlib.sha256(CONSTRAINTS.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    venv = _cache_root() / f"consumer-{sys.version_info.major}.{sys.version_info.minor}-{pins}"
    python = venv / "bin" / "python"
    if not (venv / ".complete").exists():
        _run(sys.executable, "-m", "venv", "--clear", venv)
        _run(python, "-m", "pip", "install", "--quiet", "-c", CONSTRAINTS, wheel)
        (venv / ".complete").write_text(wheel.name)
    else:
        _run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", wheel)
    return python


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def test_the_package_comes_from_the_wheel_not_this_checkout(consumer_python: Path) -> None:
    where = _run(
        consumer_python, "-c", "import prefect_ecs_platform; print(prefect_ecs_platform.__file__)", cwd=EXAMPLE
    )
    assert Path(where.strip()).is_relative_to(consumer_python.parent.parent)
    assert not Path(where.strip()).is_relative_to(ROOT)


@pytest.fixture(scope="module")
def rendered(consumer_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("consumer-render")
    script = consumer_python.parent / "prefect-ecs-platform"
    _run(
        script, "render", "--stack", "staging", "--out", out, "--config", f"prefectApiUrl={CLOUD_URL}",
        cwd=EXAMPLE, env=_clean_env(),
    )  # fmt: skip
    return out


def test_the_example_runs_in_its_own_vpc_with_its_own_deployments(rendered: Path) -> None:
    summary = (rendered / "summary.md").read_text()
    assert "# Render of stack `staging` (project `analytics-platform`)" in summary
    assert "| network | brought VPC and subnets; no public IPs |" in summary
    assert "| revenue-daily-staging | revenue (flows/revenue.py:revenue) | cron `30 5 * * *` Europe/Paris |" in summary
    assert "awsx:ec2:Vpc" not in summary
    pool = json.loads((rendered / "work-pool" / "analytics-staging.json").read_text())
    network = pool["base_job_template"]["job_configuration"]["task_run_request"]["networkConfiguration"]
    stack = yaml.safe_load((EXAMPLE / "Pulumi.staging.yaml").read_text())["config"]
    assert network["awsvpcConfiguration"]["subnets"] == stack["analytics-platform:subnetIds"]
    deployment = json.loads((rendered / "deployments" / "revenue-daily-staging.json").read_text())
    assert deployment["parameters"] == {"currency": "EUR"}
    assert deployment["work_pool_name"] == "analytics-staging"


def test_the_example_installs_the_platform_as_a_path_dependency() -> None:
    """Its requirements name this repository by path (pip, run by Pulumi in the project, resolves it there)."""
    lines = [line.strip() for line in (EXAMPLE / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line and not line.startswith("#")]
    assert requirements == ["-c ../../requirements/constraints.txt", "../.."]
    assert (EXAMPLE / "../..").resolve() == ROOT
    assert "sys.path" not in (EXAMPLE / "__main__.py").read_text()
