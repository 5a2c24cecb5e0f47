"""The scripts run as users run them, against a fake `pulumi` on PATH (or none)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.subprocess


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
# Stands in for the Pulumi CLI: logged in; records each call. `version` prints FAKE_VERSION (a current
# release unless set). A stack has a Prefect API URL unless FAKE_NO_URL is set and none was set, and hosts its
# Prefect server when FAKE_HOSTED is set.
# `stack export --file F` writes the state FAKE_EXPORTS names: the first export gets the first file's
# resources, later exports the second's.
echo "$*" >> "$PULUMI_CALLS"
case "$*" in
  version)
    echo "${FAKE_VERSION-v3.272.0}" ;;
  "config get prefectApiUrl"*)
    if [ -z "${FAKE_NO_URL:-}" ] || grep -q "^config set prefectApiUrl" "$PULUMI_CALLS"; then
      echo "http://prefect.internal:4200/api"
    fi ;;
  "stack output prefect_api_url"*)
    echo "${FAKE_API_URL:-https://d111111abcdef8.cloudfront.net/api}" ;;
  "stack output prefect_api_auth_string_secret_arn"*)
    echo "${FAKE_SECRET_ARN:-null}" ;;
  "config get prefectServer"*)
    if [ -n "${FAKE_HOSTED:-}" ]; then echo '{"enabled": true}'; fi ;;
  "stack export"*)
    file="${!#}"
    source="${FAKE_EXPORTS:-}"
    if grep -q "^destroy" "$PULUMI_CALLS"; then source="${source:+$source.after}"; fi
    if [ -n "$source" ]; then cp "$source" "$file"; fi ;;
esac
"""


def _project_copy(tmp_path: Path) -> Path:
    """The scripts and the files that pin the install, with a virtualenv already installed from them."""
    project = tmp_path / "project"
    for relative in ("scripts/up", "scripts/destroy", "scripts/select", "scripts/render", "scripts/lib/stack.sh",
                     "Pulumi.dev.yaml", "Pulumi.prod.yaml",
                     "scripts/lib/removed.py", "scripts/lib/database_protection.py", "scripts/prefect-env",
                     "scripts/lib/read_secret.py",
                     "requirements.txt", "requirements/constraints.txt",
                     "pyproject.toml"):  # fmt: skip
        target = project / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, target)
    (project / ".venv" / "bin").mkdir(parents=True)
    python = project / ".venv" / "bin" / "python"
    # Stands in for the installed virtualenv: reading a secret answers FAKE_SECRET; anything else would be an
    # install, which these tests must not reach.
    python.write_text(
        '#!/bin/sh\nif [ "$1" = scripts/lib/read_secret.py ]; then echo "$FAKE_SECRET"; exit 0; fi\n'
        "echo 'the install was not skipped' >&2\nexit 1\n"
    )
    python.chmod(0o755)
    # Stands in for the render command: records how it was called.
    render = project / ".venv" / "bin" / "prefect-ecs-platform"
    render.write_text('#!/bin/sh\necho "prefect-ecs-platform $*" >> "$PULUMI_CALLS"\n')
    render.chmod(0o755)
    pins = b"".join(
        (project / f).read_bytes() for f in ("requirements.txt", "requirements/constraints.txt", "pyproject.toml")
    )
    (project / ".venv" / ".installed-requirements").write_text(hashlib.sha256(pins).hexdigest() + "\n")
    return project


def _run_script(
    tmp_path: Path, script: str, *args: str, **env: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    project = _project_copy(tmp_path)
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text(FAKE_PULUMI)
    (bin_dir / "pulumi").chmod(0o755)
    calls = tmp_path / "calls"
    result = subprocess.run(
        ["bash", str(project / "scripts" / script), *args],
        env={"PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(tmp_path), "PULUMI_CALLS": str(calls), **env},
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
    assert "destroy --run-program --stack prod --yes" in calls
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


def _export(*resources: tuple[str, str]) -> str:
    listed = [{"urn": "urn:pulumi:prod::p::pulumi:pulumi:Stack::p-prod", "type": "pulumi:pulumi:Stack"}]
    listed += [{"urn": f"urn:pulumi:prod::p::{typ}::{name}", "type": typ} for typ, name in resources]
    return json.dumps({"version": 3, "deployment": {"resources": listed}})


def test_destroy_ends_by_listing_what_it_removed(tmp_path: Path) -> None:
    """The state before and after `pulumi destroy`: what is gone is listed, also into the job summary."""
    exports = tmp_path / "export.json"
    exports.write_text(_export(("aws:ecs/cluster:Cluster", "data-cluster"), ("aws:iam/role:Role", "data-task")))
    (tmp_path / "export.json.after").write_text(_export(("aws:iam/role:Role", "data-task")))
    summary = tmp_path / "summary.md"
    result, calls = _run_script(
        tmp_path, "destroy", "prod", "--yes", FAKE_EXPORTS=str(exports), GITHUB_STEP_SUMMARY=str(summary)
    )
    assert result.returncode == 0, result.stderr
    assert [c.split(" --file")[0] for c in calls if c.startswith(("stack export", "destroy"))] == [
        "stack export --stack prod",
        "destroy --run-program --stack prod --yes",
        "stack export --stack prod",
    ]
    listing = "Removed 1 resources:\n- aws:ecs/cluster:Cluster data-cluster\nStill in the stack: 1 resources"
    assert result.stdout.strip() == listing
    assert listing in summary.read_text()


def test_ci_settings_reach_the_backend_and_the_stack(tmp_path: Path) -> None:
    """PULUMI_BACKEND_URL is logged in to, a new stack gets PULUMI_SECRETS_PROVIDER, and a stack file without
    prefectApiUrl takes PREFECT_API_URL (a GitHub environment variable in CI)."""
    result, calls = _run_script(
        tmp_path,
        "select",
        "dev",
        PULUMI_BACKEND_URL="s3://state-bucket",
        PULUMI_SECRETS_PROVIDER="awskms://alias/pulumi",
        PREFECT_API_URL="http://prefect.internal:4200/api",
        FAKE_NO_URL="1",
    )
    assert result.returncode == 0, result.stderr
    assert calls[0] == "login s3://state-bucket"
    assert "stack select --create --secrets-provider awskms://alias/pulumi dev" in calls
    assert "config set prefectApiUrl http://prefect.internal:4200/api --stack dev" in calls


def test_a_stack_without_an_api_url_stops_before_any_update(tmp_path: Path) -> None:
    result, calls = _run_script(tmp_path, "up", "dev", FAKE_NO_URL="1")
    assert result.returncode == 2
    assert "Stack dev has no Prefect API URL" in result.stderr
    assert not any(c.startswith("up") for c in calls)


@pytest.mark.parametrize(("stack", "passed"), [("dev", False), ("prod", True)])
def test_render_passes_the_ci_api_url_only_to_a_stack_that_does_not_host_its_server(
    tmp_path: Path, stack: str, passed: bool
) -> None:
    """CI exports PREFECT_API_URL for the render; dev hosts its server and would refuse it, prod takes it."""
    url = "https://api.prefect.cloud/api/accounts/a/workspaces/b"
    result, calls = _run_script(tmp_path, "render", stack, PREFECT_API_URL=url)
    assert result.returncode == 0, result.stderr
    expected = f"prefect-ecs-platform render --stack {stack} --out render/{stack}"
    assert calls == [f"{expected} --config prefectApiUrl={url}" if passed else expected]


def test_a_stack_that_hosts_its_server_needs_no_api_url(tmp_path: Path) -> None:
    result, calls = _run_script(tmp_path, "up", "dev", FAKE_NO_URL="1", FAKE_HOSTED="1")
    assert result.returncode == 0, result.stderr
    assert any(c.startswith("up") for c in calls)
    assert not any(c.startswith("config set prefectApiUrl") for c in calls)


def test_prefect_env_prints_the_exports_for_the_prefect_cli(tmp_path: Path) -> None:
    """The stack's API URL, and the auth string read from the stack's secret, as shell exports to eval."""
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:data-prefect-auth-string-AbCdEf"
    result, _ = _run_script(tmp_path, "prefect-env", "dev", FAKE_SECRET_ARN=arn, FAKE_SECRET="prefect:s3 cr$t")
    assert result.returncode == 0, result.stderr
    exports = dict(line.removeprefix("export ").split("=", 1) for line in result.stdout.splitlines())
    assert exports["PREFECT_API_URL"] == "https://d111111abcdef8.cloudfront.net/api"
    # Quoted for the shell: a space or $ in the string survives `eval`.
    evaluated = subprocess.run(
        ["bash", "-c", f"{result.stdout}\nprintf %s \"$PREFECT_API_AUTH_STRING\""],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert evaluated.stdout == "prefect:s3 cr$t"


def test_prefect_env_prints_no_auth_string_for_a_stack_without_one(tmp_path: Path) -> None:
    result, _ = _run_script(tmp_path, "prefect-env", "dev")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["export PREFECT_API_URL=https://d111111abcdef8.cloudfront.net/api"]


def _minimum_in_scripts() -> str:
    found = re.search(r'^PULUMI_CLI_MINIMUM="([0-9.]+)"$', (ROOT / "scripts/lib/stack.sh").read_text(), re.M)
    assert found
    return found[1]


@pytest.mark.parametrize("script", ["up", "destroy"])
@pytest.mark.parametrize("version", ["v3.237.9", "v3.182.0", "v3.238.0-alpha.1755000000", "v2.999.0"])
def test_a_cli_older_than_the_minimum_is_refused_before_anything_runs(
    tmp_path: Path, script: str, version: str
) -> None:
    """Before 3.238.0 a failed rollout check is only a warning: up and destroy stop, naming both versions."""
    result, calls = _run_script(tmp_path, script, "dev", FAKE_VERSION=version)
    assert result.returncode == 2
    assert f"The Pulumi CLI is {version}; this project needs 3.238.0 or newer" in result.stderr
    assert calls == ["version"]


@pytest.mark.parametrize("script", ["up", "destroy"])
@pytest.mark.parametrize("version", ["v3.238.0", "3.238.0", "v3.238.1-dev.0", "v3.1000.0", "v4.0.0+dirty"])
def test_the_minimum_cli_and_newer_ones_go_ahead(tmp_path: Path, script: str, version: str) -> None:
    """The check compares numbers, not text: 3.1000 is newer than 3.238, and v-less or build-tagged versions read."""
    result, calls = _run_script(tmp_path, script, "dev", FAKE_VERSION=version)
    assert result.returncode == 0, result.stderr
    assert any(c.startswith(("up --stack dev", "destroy --run-program --stack dev")) for c in calls)


@pytest.mark.parametrize("script", ["up", "destroy"])
@pytest.mark.parametrize("version", ["", "A new version of Pulumi is available", "v3.x.0"])
def test_a_version_that_cannot_be_read_is_refused(tmp_path: Path, script: str, version: str) -> None:
    """An odd `pulumi version` is not taken for a new enough one."""
    result, calls = _run_script(tmp_path, script, "dev", FAKE_VERSION=version)
    assert result.returncode == 2
    assert f"Could not read the Pulumi CLI's version: `pulumi version` printed '{version}'" in result.stderr
    assert "needs Pulumi CLI 3.238.0 or newer" in result.stderr
    assert calls == ["version"]


def test_the_readme_and_the_sdk_pin_state_the_minimum_the_scripts_enforce() -> None:
    """One minimum: what the scripts refuse below is what the README promises and the SDK floor pins."""
    minimum = _minimum_in_scripts()
    assert minimum == "3.238.0"
    assert f"The Pulumi CLI ({minimum} or newer)" in (ROOT / "README.md").read_text()
    assert f'"pulumi>={minimum},<4"' in (ROOT / "pyproject.toml").read_text()


def _ensure_postgres(tmp_path: Path, *, uid: int, sudo_works: bool, installed: bool) -> tuple[int, str, list[str]]:
    """Run scripts/lib/postgres.sh's ensure_postgres with fakes of id, sudo and apt-get first on PATH; return its
    exit code, stderr and the apt-get calls (each with the DEBIAN_FRONTEND it saw)."""
    bin_dir, libdir, calls = tmp_path / "bin", tmp_path / "lib-postgresql", tmp_path / "calls"
    bin_dir.mkdir(parents=True)
    if installed:
        (libdir / "16" / "bin").mkdir(parents=True)
        (libdir / "16" / "bin" / "initdb").touch(mode=0o755)
    refuse = "" if sudo_works else "exit 1\n"
    fakes = {
        "id": f'#!/bin/sh\n[ "$1" = -u ] && echo {uid}\n',
        "sudo": f'#!/bin/sh\n[ "$1" = -n ] && shift\n{refuse}echo sudo >> "{calls}"\nexec "$@"\n',
        "apt-get": f'#!/bin/sh\necho "apt-get $* DEBIAN_FRONTEND=${{DEBIAN_FRONTEND:-}}" >> "{calls}"\n',
    }
    for name, text in fakes.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    # A PATH without initdb (some machines link it into /usr/local/bin), with the fakes first.
    path = os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"])
    result = subprocess.run(
        ["bash", "-c", f'set -euo pipefail; source scripts/lib/postgres.sh; ensure_postgres "{libdir}"'],
        cwd=ROOT,
        env={"PATH": path, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result.returncode, result.stderr, calls.read_text().splitlines() if calls.exists() else []


def test_scripts_test_installs_postgresql_with_apt_as_root_where_initdb_is_missing(tmp_path: Path) -> None:
    """As CI runs it (root, a fresh machine): apt-get update, then a noninteractive install of `postgresql`."""
    if shutil.which("initdb", path="/usr/bin:/bin"):
        pytest.skip("initdb is on /usr/bin here: the fake PATH cannot hide it")
    code, stderr, calls = _ensure_postgres(tmp_path, uid=0, sudo_works=False, installed=False)
    assert code == 0, stderr
    assert calls == [
        "apt-get update -qq DEBIAN_FRONTEND=",
        "apt-get install -y -qq --no-install-recommends postgresql DEBIAN_FRONTEND=noninteractive",
    ]


def test_scripts_test_uses_sudo_or_says_what_to_install_and_skips_an_installed_postgresql(tmp_path: Path) -> None:
    """Not root: through sudo when it needs no password, else stop naming the package; installed: nothing."""
    if shutil.which("initdb", path="/usr/bin:/bin"):
        pytest.skip("initdb is on /usr/bin here: the fake PATH cannot hide it")
    code, stderr, calls = _ensure_postgres(tmp_path / "sudo", uid=1000, sudo_works=True, installed=False)
    assert code == 0, stderr
    assert calls[0] == "sudo"
    assert calls[-1] == "apt-get install -y -qq --no-install-recommends postgresql DEBIAN_FRONTEND=noninteractive"
    code, stderr, calls = _ensure_postgres(tmp_path / "no-sudo", uid=1000, sudo_works=False, installed=False)
    assert (code, calls) == (1, [])
    assert "apt-get install postgresql" in stderr
    code, stderr, calls = _ensure_postgres(tmp_path / "installed", uid=0, sudo_works=False, installed=True)
    assert (code, calls) == (0, [])
