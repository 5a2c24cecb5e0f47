"""Mistakes in the stack file, and in what it points at, as `pulumi up` reports them: each named the way the
user wrote it, every stage reported in one go, nothing registered.

The stack program runs under mocks with dev's stack file (Pulumi.yaml's defaults merged in, as the CLI does)
and one mistake on top; each case asserts the first problem line exactly (or its start, where the rest is a
long list of allowed values).
"""

from __future__ import annotations

import json
import logging
import runpy
import shutil
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from prefect_ecs_platform import InvalidInputError
from prefect_ecs_platform.render.project_files import load_stack_files
from tests.conftest import CLOUD_URL, ROOT, PulumiHarness

NS = "prefect-ecs-platform"
ACCOUNT = "123456789012"
UUID_A, UUID_B = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"


def dev_config(**changes: Any) -> dict[str, str]:
    """dev's config as the CLI hands it over (declared defaults merged), then `changes` (None removes a key)."""
    config = load_stack_files(ROOT, "dev", [f"prefectApiUrl={CLOUD_URL}"]).config
    config[f"{NS}:prefectApiKey"] = "pnu_dev"
    for key, value in changes.items():
        name = key if ":" in key else f"{NS}:{key}"
        if value is None:
            config.pop(name, None)
        else:
            config[name] = value if isinstance(value, str) else json.dumps(value)
    return config


def run(harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch, config: dict[str, str], cwd: Path = ROOT) -> None:
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("PREFECT_API_KEY", raising=False)
    pulumi.runtime.set_mocks(harness.mocks, project=NS, stack="dev", preview=False, monitor=harness.monitor)
    secret = [f"{NS}:prefectApiKey"] if f"{NS}:prefectApiKey" in config else []
    pulumi.runtime.set_all_config(config, secret_keys=secret)
    harness.run(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__") and None)


def problems(harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch, config: dict[str, str], **kw: Any) -> list[str]:
    with pytest.raises(InvalidInputError) as raised:
        run(harness, monkeypatch, config, **kw)
    assert harness.resources == [], "a mistake must stop the program before anything is registered"
    return [line.removeprefix("  - ") for line in str(raised.value).splitlines()[1:]]


CASES: dict[str, tuple[dict[str, Any], str]] = {
    "no API URL": (
        {"prefectApiUrl": None},
        "prefectApiUrl is required; set it with `pulumi config set prefectApiUrl https://api.prefect.cloud/api/",
    ),
    "no API key for Prefect Cloud": (
        {"prefectApiKey": None},
        "prefectApiKey is required; Prefect Cloud needs an API key: `pulumi config set --secret prefectApiKey",
    ),
    "a retention CloudWatch does not offer": (
        {"logRetentionDays": "10"},
        "logRetentionDays: 10 is not allowed; one of the values CloudWatch offers: 0, 1, 3",
    ),
    "a word for a boolean": ({"useFargateSpot": "maybe"}, "useFargateSpot: 'maybe' is not allowed; true or false"),
    "an unknown mode": ({"mode": "pull"}, "mode: 'pull' is not allowed; one of 'push' or 'worker'"),
    "a list for a map": ({"tags": ["team"]}, "tags: ['team'] is not allowed; a map, e.g. tags: {team: data}"),
    "text for a list": (
        {"subnetIds": "subnet-a"},
        "subnetIds: 'subnet-a' is not allowed; a list, e.g. subnetIds: [a, b]",
    ),
    "a misspelt key": (
        {"logRetentionDay": "7"},
        "logRetentionDay: '7' is not allowed; not a key of this stack: Pulumi.yaml and README list them; "
        "did you mean logRetentionDays?",
    ),
    "a cluster name for its ARN": (
        {"clusterArn": "my-cluster"},
        "clusterArn: 'my-cluster' is not allowed; an ECS cluster ARN (arn:<partition>:ecs:<region>:<account>:cluster/",
    ),
    "a role name for the task role's ARN": (
        {"taskRoleArn": "flows"},
        "taskRoleArn: 'flows' is not allowed; an IAM role ARN (arn:<partition>:iam::<account>:role/<name>)",
    ),
    "a role name for the execution role's ARN": (
        {"executionRoleArn": "exec"},
        "executionRoleArn: 'exec' is not allowed;",
    ),
    "a policy name for its ARN": (
        {"taskRolePolicyArns": ["ReadOnlyAccess"]},
        "taskRolePolicyArns[0]: 'ReadOnlyAccess' is not allowed; a managed IAM policy ARN:",
    ),
    "a role ARN for the boundary": (
        {"permissionsBoundaryArn": f"arn:aws:iam::{ACCOUNT}:role/b"},
        f"permissionsBoundaryArn: 'arn:aws:iam::{ACCOUNT}:role/b' is not allowed; a managed IAM policy ARN",
    ),
    "a worker key in push mode": (
        {"workerCount": "3"},
        "workerCount: 3 is not allowed; it applies only with mode: worker (this stack's mode is push); remove it, "
        "or set mode to worker",
    ),
    "an unknown placeholder in the suffix": (
        {"deploymentNameSuffix": "-{env}"},
        "deploymentNameSuffix: '-{env}' is not allowed; text where only {stack} is replaced (by the stack's name)",
    ),
    "plain http to Prefect Cloud": (
        {"prefectApiUrl": CLOUD_URL.replace("https://", "http://")},
        f"prefectApiUrl: '{CLOUD_URL.replace('https://', 'http://')}' is not allowed; Prefect Cloud is served over "
        f"https only: {CLOUD_URL}",
    ),
    "the browser's URL of the workspace": (
        {"prefectApiUrl": f"https://app.prefect.cloud/account/{UUID_A}/workspace/{UUID_B}/dashboard"},
        f"prefectApiUrl: 'https://app.prefect.cloud/account/{UUID_A}/workspace/{UUID_B}/dashboard' is not allowed; "
        f"the workspace's API URL, not the browser's: {CLOUD_URL}",
    ),
    "a Fargate pair that does not exist": (
        {"cpu": "256", "memory": "8192"},
        "memory: 8192 is not allowed; with cpu=256 Fargate accepts memory (MiB)",
    ),
    "an override's memory that does not fit its cpu": (
        {"deploymentOverrides": {"etl-daily": {"memory": 8192}}},
        "deploymentOverrides.etl-daily.memory: 8192 is not allowed; with cpu=512 Fargate accepts memory (MiB)",
    ),
    "an override of a deployment that does not exist": (
        {"deploymentOverrides": {"etl": {"paused": True}}},
        "deploymentOverrides: 'etl' is not allowed; a deployment name from prefect.yaml or '*'",
    ),
    "a wrong type in an override": (
        {"deploymentOverrides": {"*": {"paused": "yes"}}},
        "deploymentOverrides.*.paused: 'yes' is not allowed; true or false",
    ),
    "an unknown override key": (
        {"deploymentOverrides": {"*": {"replicas": 2}}},
        "deploymentOverrides.*: 'replicas' is not allowed; override keys: paused, schedules_active, cpu, memory",
    ),
    "a prefect.yaml that does not exist": (
        {"prefectYaml": "flows/missing.yaml"},
        "prefectYaml: 'flows/missing.yaml' is not allowed; a prefect.yaml that exists (paths are relative to the "
        "project)",
    ),
}


@pytest.mark.parametrize(("changes", "first_line"), CASES.values(), ids=CASES.keys())
def test_a_mistake_is_reported_as_written(
    pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch, changes: dict[str, Any], first_line: str
) -> None:
    lines = problems(pulumi_harness, monkeypatch, dev_config(**changes))
    assert lines[0].startswith(first_line), lines


def test_mistakes_in_every_stage_are_reported_together(
    pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A bad key in the stack file, a bad value the component rules refuse, a `push:` section and a bad cron
    in prefect.yaml: all four in one error, each in its own notation."""
    shutil.copytree(ROOT / "flows", tmp_path / "flows")
    prefect_yaml = tmp_path / "flows" / "prefect.yaml"
    document = yaml.safe_load(prefect_yaml.read_text())
    document["push"] = [{"prefect_docker.deployments.steps.push_docker_image": {}}]
    document["deployments"][1]["schedules"][0]["cron"] = "every morning"
    prefect_yaml.write_text(yaml.safe_dump(document, sort_keys=False))
    lines = problems(
        pulumi_harness,
        monkeypatch,
        dev_config(useFargateSpot="maybe", logRetentionDays="10"),
        cwd=tmp_path,
    )
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
