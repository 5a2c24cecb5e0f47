"""__main__.py under mocks, for each committed stack with its own config file."""

from __future__ import annotations

import json
import os
import runpy
from typing import Any

import pulumi
import pytest
import yaml

from prefect_ecs_platform import InvalidInputError
from tests.support import ROOT
from tests.support.pulumi_mocks import CLOUD_STACK, CLOUD_URL, PulumiHarness, RecordingMocks, mocked_pulumi

NS = "prefect-ecs-platform"


def stack_config(stack: str, *, cloud: bool = False) -> dict[str, str]:
    """The stack file's config as the engine hands it to a program: text, JSON for lists and maps. `cloud`: as a
    team on Prefect Cloud edits it (CLOUD_STACK)."""
    raw = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    if cloud:
        for key, value in CLOUD_STACK.items():
            raw.pop(f"{NS}:{key}", None)
            if value is not None:
                raw[f"{NS}:{key}"] = value
    encoded = {}
    for key, value in raw.items():
        if isinstance(value, (dict, list)):
            encoded[key] = json.dumps(value)
        elif isinstance(value, bool):
            encoded[key] = str(value).lower()
        else:
            encoded[key] = str(value)
    return encoded


def run_main(
    harness: PulumiHarness,
    stack: str,
    monkeypatch: pytest.MonkeyPatch,
    extra: dict[str, str] | None = None,
    *,
    cloud: bool = True,
) -> dict[str, Any]:
    """Run the program for `stack`; `cloud`: on Prefect Cloud, with its URL (prod's per-user setting) and
    without dev's hosted server."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("PREFECT_API_KEY", raising=False)
    pulumi.runtime.set_mocks(
        harness.mocks, project="prefect-ecs-platform", stack=stack, preview=False, monitor=harness.monitor
    )
    config = {**stack_config(stack, cloud=cloud), **(extra or {})}
    pulumi.runtime.set_all_config(config, secret_keys=["prefect-ecs-platform:prefectApiKey"])
    exported: dict[str, Any] = {}

    def program() -> dict[str, Any]:
        namespace = runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
        platform = namespace["platform"]
        return {
            "template": platform.base_job_template,
            "pool": pulumi.Output.from_input(namespace["args"].work_pool_name),
        }

    exported.update(harness.run(program))
    return exported


def defaults(template: dict[str, Any]) -> dict[str, Any]:
    return {k: v.get("default") for k, v in template["variables"]["properties"].items()}


def test_dev_stack_is_cheap_and_hosts_its_server(
    pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dev as committed, with no Prefect setting at all: its own server and a worker, public subnets without
    NAT, Spot, 512/1024 tasks, 7-day logs, force-deletable repository."""
    out = run_main(pulumi_harness, "dev", monkeypatch, cloud=False)
    values = defaults(out["template"])
    assert pulumi_harness.one("aws:rds/instance:Instance").inputs["instanceClass"] == "db.t4g.micro"
    assert pulumi_harness.one("aws:cloudfront/distribution:Distribution")
    assert {s.name for s in pulumi_harness.of_type("aws:ecs/service:Service")} == {"data-worker", "data-server"}
    pool = pulumi_harness.one("pulumi-python:dynamic/prefect:WorkPool").inputs
    assert pool["type"] == "ecs"
    assert pool["api_url"] == "https://d111111abcdef8.cloudfront.net/api"
    assert pulumi_harness.one("awsx:ec2:Vpc").inputs["natGateways"] == {"strategy": "None"}
    assert (
        out["template"]["job_configuration"]["task_run_request"]["networkConfiguration"]["awsvpcConfiguration"][
            "assignPublicIp"
        ]
        == "ENABLED"
    )
    assert (values["launch_type"], values["cpu"], values["memory"]) == ("FARGATE_SPOT", 512, 1024)
    groups = pulumi_harness.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert {group.name: group.inputs["retentionInDays"] for group in groups} == {
        "data-flow-runs": 7,
        "data-server-rotation": 7,
    }
    assert pulumi_harness.one("awsx:ecr:Repository").inputs["forceDelete"] is True
    assert pulumi_harness.registration("awsx:ecr:Repository", "data-flows").retain_on_delete is False
    assert pulumi_harness.one("aws:ecs/cluster:Cluster").inputs["tags"]["environment"] == "dev"
    assert out["pool"] == "ecs-dev"


def test_prod_stack_is_private_and_on_demand(pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """prod: private subnets behind one NAT, on-demand Fargate, 30-day logs, insights, kept repository."""
    out = run_main(pulumi_harness, "prod", monkeypatch, {"prefect-ecs-platform:prefectApiKey": "pnu_prod"})
    values = defaults(out["template"])
    assert pulumi_harness.one("awsx:ec2:Vpc").inputs["natGateways"] == {"strategy": "Single"}
    assert (
        out["template"]["job_configuration"]["task_run_request"]["networkConfiguration"]["awsvpcConfiguration"][
            "assignPublicIp"
        ]
        == "DISABLED"
    )
    assert out["template"]["job_configuration"]["task_run_request"]["networkConfiguration"]["awsvpcConfiguration"][
        "subnets"
    ] == ["subnet-priv-a", "subnet-priv-b"]
    assert (values["launch_type"], values["cpu"], values["memory"]) == ("FARGATE", 1024, 2048)
    assert pulumi_harness.one("aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"] == 30
    assert pulumi_harness.registration("awsx:ecr:Repository", "data-flows").retain_on_delete is True
    assert pulumi_harness.one("aws:ecs/cluster:Cluster").inputs["settings"] == [
        {"name": "containerInsights", "value": "enabled"}
    ]
    assert out["pool"] == "ecs-prod"


def test_api_key_falls_back_to_the_environment(pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without prefectApiKey in config, PREFECT_API_KEY is used, still as a secret."""
    monkeypatch.setenv("PREFECT_API_KEY", "pnu_from_env")
    monkeypatch.chdir(ROOT)
    pulumi.runtime.set_all_config(stack_config("dev", cloud=True), secret_keys=[])

    def program() -> dict[str, Any]:
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
        return {}

    pulumi_harness.run(program)
    version = pulumi_harness.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretString"]["value"] == "pnu_from_env"
    assert os.environ["PREFECT_API_KEY"] == "pnu_from_env"


def test_a_hosted_stack_ignores_prefect_credentials_in_the_environment(
    pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CI job or shell exporting a Cloud key or another server's auth string does not break a hosted stack: the
    values are ignored (with a warning), and its Prefect objects use its own generated auth string."""
    monkeypatch.setenv("PREFECT_API_KEY", "pnu_for_other_stacks")
    monkeypatch.setenv("PREFECT_API_AUTH_STRING", "admin:other-server")
    monkeypatch.chdir(ROOT)
    config = stack_config("dev")
    assert json.loads(config["prefect-ecs-platform:prefectServer"]) == {"enabled": True}
    pulumi.runtime.set_all_config(config, secret_keys=[])
    pulumi_harness.run(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__") and None)
    stored = pulumi_harness.named("aws:secretsmanager/secretVersion:SecretVersion", "data-prefect-auth-string")
    assert stored.inputs["secretString"]["value"].startswith("prefect:")
    assert not [r for r in pulumi_harness.resources if r.name == "data-prefect-api-key"]


def test_missing_key_for_cloud_fails_before_any_resource(
    pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No key anywhere with a Cloud URL stops the program with the two ways to set one, creating nothing."""
    with pytest.raises(Exception, match="prefectApiKey"):
        run_main(pulumi_harness, "dev", monkeypatch)
    assert pulumi_harness.resources == []


@pytest.mark.parametrize("switch", ["false", "true"])
def test_the_registration_switch_is_a_stack_key(
    pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch, switch: str
) -> None:
    """prefectRegistersTaskDefinitions decides whether the stack registers the flow-run task definition."""
    out = run_main(
        pulumi_harness,
        "dev",
        monkeypatch,
        {
            "prefect-ecs-platform:prefectApiKey": "pnu_dev",
            "prefect-ecs-platform:prefectRegistersTaskDefinitions": switch,
        },
    )
    registered = [r.name for r in pulumi_harness.of_type("aws:ecs/taskDefinition:TaskDefinition")]
    assert registered == ([] if switch == "true" else ["data-flow-runs"])
    assert (defaults(out["template"])["task_definition_arn"] is None) == (switch == "true")


def _renamed(config: dict[str, str], project: str) -> dict[str, str]:
    return {key.replace("prefect-ecs-platform:", f"{project}:", 1): value for key, value in config.items()}


def _run_as_project(
    harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch, project: str, config: dict[str, str]
) -> dict[str, Any]:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("PREFECT_API_KEY", raising=False)
    pulumi.runtime.set_mocks(harness.mocks, project=project, stack="dev", preview=False, monitor=harness.monitor)
    pulumi.runtime.set_all_config(config, secret_keys=[])

    def program() -> dict[str, Any]:
        namespace = runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
        return {"template": namespace["platform"].base_job_template}

    return harness.run(program)


def test_the_program_reads_its_keys_from_whatever_the_project_is_named(
    pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under another project name, dev's keys in that name's namespace configure the stack as they do here."""
    config = {**stack_config("dev", cloud=True), "prefect-ecs-platform:prefectApiKey": "pnu_dev"}
    out = _run_as_project(pulumi_harness, monkeypatch, "data-platform", _renamed(config, "data-platform"))
    values = defaults(out["template"])
    assert (values["launch_type"], values["cpu"], values["memory"]) == ("FARGATE_SPOT", 512, 1024)
    assert pulumi_harness.one("aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"] == 7
    version = pulumi_harness.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretString"]["value"] == "pnu_dev"


def test_keys_left_in_the_old_namespace_are_refused_by_name(
    pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A renamed project (pulumi new, a copy) keeps stack files written for prefect-ecs-platform: each such key
    would be silently ignored, so the program stops and says what to rename, before creating anything."""
    config = {
        "data-platform:prefectApiUrl": CLOUD_URL,
        "data-platform:prefectApiKey": "pnu_dev",
        "prefect-ecs-platform:cpu": "512",
        "prefect-ecs-platform:useFargateSpot": "true",
    }
    with pytest.raises(InvalidInputError) as raised:
        _run_as_project(pulumi_harness, monkeypatch, "data-platform", config)
    assert [(p.field, p.allowed) for p in raised.value.problems] == [
        ("prefect-ecs-platform:cpu", "the project is named 'data-platform': rename the key to data-platform:cpu"),
        (
            "prefect-ecs-platform:useFargateSpot",
            "the project is named 'data-platform': rename the key to data-platform:useFargateSpot",
        ),
    ]
    assert pulumi_harness.resources == []


def test_dev_and_prod_workers_have_task_definition_families_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both stacks name the component `data`, in one region: in worker mode no family of one is the other's."""
    families: dict[str, set[str]] = {}
    for stack in ("dev", "prod"):
        config = {"prefect-ecs-platform:prefectApiKey": f"pnu_{stack}", "prefect-ecs-platform:mode": "worker"}
        with mocked_pulumi(RecordingMocks()) as harness:
            run_main(harness, stack, monkeypatch, config)
            definitions = harness.of_type("aws:ecs/taskDefinition:TaskDefinition")
            families[stack] = {definition.inputs["family"] for definition in definitions}
    assert len(families["dev"]) == len(families["prod"]) == 2
    assert families["dev"].isdisjoint(families["prod"]), families
