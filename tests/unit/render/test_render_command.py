"""`python -m prefect_ecs_platform render`: the files a reviewer reads, for the committed stacks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.client.schemas.actions import WorkPoolCreate

from prefect_ecs_platform.inputs.arns import parse_arn
from prefect_ecs_platform.inputs.placeholders import KNOWN_AFTER_UP, UNBUILT_DIGEST
from tests.support import ROOT
from tests.support.render_project import cloud_project, copy_project, read_render, run_render

pytestmark = pytest.mark.subprocess

CIPHERTEXT = "v1:AAABAGNpcGhlcnRleHQtdGhhdC1tdXN0LW5vdC1sZWFr"
AMBIENT_KEY = "pnu_ambient_key_that_must_not_leak"
AMBIENT_AWS_SECRET = "ambient/aws+secret/that/must/not/leak"


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """dev and prod rendered once each from a project whose stack files hold a workspace URL."""
    rendered = {}
    for stack in ("dev", "prod"):
        project = cloud_project(tmp_path_factory.mktemp(f"project-{stack}"), stack)
        out = tmp_path_factory.mktemp(f"render-{stack}")
        result = run_render(project, out, stack)
        assert result.returncode == 0, result.stderr
        rendered[stack] = read_render(out)
    return rendered


def as_json(render: dict[str, bytes], path: str) -> Any:
    return json.loads(render[path])


def settings(render: dict[str, bytes]) -> dict[str, str]:
    rows = [line.split(" | ") for line in render["summary.md"].decode().splitlines() if line.startswith("| ")]
    return {row[0].removeprefix("| "): row[1].removesuffix(" |") for row in rows if len(row) == 2}


def test_render_writes_every_review_file(renders: dict[str, dict[str, bytes]]) -> None:
    assert sorted(renders["dev"]) == [
        "deployments/etl-daily-dev.json",
        "deployments/healthcheck-dev.json",
        "iam/data-execution.policy.json",
        "iam/data-execution.trust.json",
        "iam/data-push.policy.json",
        "iam/data-task.trust.json",
        "summary.md",
        "task-definitions/prefect_ecs-dev.json",
        "work-pool/ecs-dev.json",
    ]


def test_the_summary_shows_the_settings_that_differ_between_dev_and_prod(
    renders: dict[str, dict[str, bytes]],
) -> None:
    dev, prod = settings(renders["dev"]), settings(renders["prod"])
    assert dev["flow runs"] == "512 CPU units, 1024 MiB, Fargate Spot"
    assert prod["flow runs"] == "1024 CPU units, 2048 MiB, Fargate on demand"
    assert "public subnets, no NAT gateway; tasks get public IPs" in dev["network"]
    assert "private subnets, one NAT gateway; no public IPs" in prod["network"]
    assert dev["logs"].endswith("kept 7 days")
    assert prod["logs"].endswith("kept 30 days")
    assert dev["mode"].startswith("push")
    assert "`ecs-dev`" in dev["mode"]
    assert dev["credential prefectApiKey"] == "PREFECT_API_KEY in the environment of pulumi up"
    summary = renders["dev"]["summary.md"].decode()
    assert "| etl-daily-dev | etl (flows/etl.py:etl) | cron `0 6 * * *` Europe/Berlin (inactive);" in summary


def test_the_pool_body_is_a_work_pool_prefect_accepts(renders: dict[str, dict[str, bytes]]) -> None:
    """Prefect's own request model takes the body; the template names the stack's task definition."""
    body = as_json(renders["prod"], "work-pool/ecs-prod.json")
    pool = WorkPoolCreate.model_validate(body)
    assert (pool.name, pool.type) == ("ecs-prod", "ecs:push")
    defaults = {k: v.get("default") for k, v in body["base_job_template"]["variables"]["properties"].items()}
    definition = as_json(renders["prod"], "task-definitions/prefect_ecs-prod.json")
    assert defaults["task_definition_arn"].split("task-definition/")[1].split(":")[0] == definition["family"]
    assert (defaults["cpu"], defaults["memory"]) == (1024, 2048)


def test_deployment_bodies_are_what_the_provider_posts(renders: dict[str, dict[str, bytes]]) -> None:
    """Name qualified by stack, schedules from prefect.yaml, the stack's image and task definition as variables."""
    prefect_yaml = yaml.safe_load((ROOT / "flows/prefect.yaml").read_text())
    expected = {d["name"]: d for d in prefect_yaml["deployments"]}
    for stack, render in renders.items():
        for name, declared in expected.items():
            body = as_json(render, f"deployments/{name}-{stack}.json")
            assert body["name"] == f"{name}-{stack}"
            assert body["flow_id"] == f"<id of flow {declared['entrypoint'].split(':')[1]!r}: known after pulumi up>"
            crons = [s["schedule"].get("cron") for s in body["schedules"]]
            assert crons == [s.get("cron") for s in declared.get("schedules", [])]
            assert body["job_variables"]["image"].endswith(f"@{UNBUILT_DIGEST}")
            assert body["job_variables"]["task_definition_arn"].startswith("arn:aws:ecs:eu-west-1:<account>:")
    # dev's override pauses no deployment but turns every schedule off.
    assert {s["active"] for s in as_json(renders["dev"], "deployments/etl-daily-dev.json")["schedules"]} == {False}


def _resources(statement: dict[str, Any]) -> list[str]:
    resources = statement.get("Resource", [])
    return [resources] if isinstance(resources, str) else list(resources)


def test_every_policy_is_a_document_whose_arns_parse(renders: dict[str, dict[str, bytes]]) -> None:
    """Placeholders keep ARNs structurally valid: six parts, the stack's region, the account marked."""
    for render in renders.values():
        for path in (p for p in render if p.startswith("iam/")):
            document = as_json(render, path)
            assert document["Version"] == "2012-10-17", path
            for statement in document["Statement"]:
                for resource in (r for r in _resources(statement) if r != "*"):
                    arn = parse_arn(resource)
                    assert arn.account in ("<account>", ""), (path, resource)


def test_unknown_values_are_marked_never_invented(renders: dict[str, dict[str, bytes]]) -> None:
    """No twelve-digit account, no hex digest, no AWS-style id appears: every such value is a marker."""
    text = b"".join(renders["dev"].values()).decode()
    assert KNOWN_AFTER_UP in text
    for invented in ("123456789012", "sha256:0", "vpc-0", "subnet-0", "sg-0"):
        assert invented not in text
    definition = as_json(renders["dev"], "task-definitions/prefect_ecs-dev.json")
    secrets = definition["containerDefinitions"][0]["secrets"]
    assert secrets[0]["name"] == "PREFECT_API_KEY"
    assert secrets[0]["valueFrom"].startswith("arn:aws:secretsmanager:eu-west-1:<account>:secret:data-prefect-api-key-")


@pytest.mark.parametrize(
    "config",
    [
        {"prefectApiKey": {"secure": CIPHERTEXT}},
        # Self-hosted: a key or auth string in the environment would add secrets to the task definitions.
        {"mode": "worker", "prefectApiUrl": "http://prefect.internal:4200/api"},
    ],
    ids=["cloud-secure-key", "self-hosted-worker"],
)
def test_two_renders_are_byte_identical_whoever_runs_them(tmp_path: Path, config: dict[str, Any]) -> None:
    """The second render runs with Prefect and AWS credentials, another region and Pulumi config in its
    environment: same bytes, and neither the stack's ciphertext nor any ambient secret appears in any file."""
    project = cloud_project(tmp_path / "project", **config)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PREFECT_API", "PULUMI_"))}
    ambient = {
        **clean,
        "PREFECT_API_KEY": AMBIENT_KEY,
        "PREFECT_API_AUTH_STRING": f"admin:{AMBIENT_KEY}",
        "AWS_ACCESS_KEY_ID": "AKIAAMBIENTKEY000000",
        "AWS_SECRET_ACCESS_KEY": AMBIENT_AWS_SECRET,
        "AWS_REGION": "us-east-1",
        "PULUMI_CONFIG": json.dumps({"prefect-ecs-platform:prefectApiAuthString": f"admin:{AMBIENT_KEY}"}),
    }
    first, second = tmp_path / "first", tmp_path / "second"
    for out, env in ((first, clean), (second, ambient)):
        result = run_render(project, out, env=env)
        assert result.returncode == 0, result.stderr
    assert read_render(first) == read_render(second)
    everything = b"".join(read_render(second).values()).decode()
    for secret in (CIPHERTEXT, CIPHERTEXT.removeprefix("v1:"), AMBIENT_KEY, AMBIENT_AWS_SECRET, "AKIAAMBIENT"):
        assert secret not in everything
    if "prefectApiKey" in config:
        assert "| credential prefectApiKey | Pulumi.dev.yaml (secure) |" in everything


def test_a_second_render_replaces_the_first_and_nothing_else(tmp_path: Path) -> None:
    """A deployment removed from prefect.yaml disappears from the render; the user's own files stay."""
    project = cloud_project(tmp_path / "project")
    out = tmp_path / "out"
    out.mkdir()
    (out / "NOTES.md").write_text("mine")
    assert run_render(project, out).returncode == 0
    prefect_yaml = project / "flows/prefect.yaml"
    document = yaml.safe_load(prefect_yaml.read_text())
    document["deployments"] = [d for d in document["deployments"] if d["name"] != "healthcheck"]
    prefect_yaml.write_text(yaml.safe_dump(document, sort_keys=False))
    assert run_render(project, out).returncode == 0
    assert not (out / "deployments/healthcheck-dev.json").exists()
    assert (out / "deployments/etl-daily-dev.json").exists()
    assert (out / "NOTES.md").read_text() == "mine"


def test_a_hosted_server_renders_its_task_definition_policies_and_database(tmp_path: Path) -> None:
    """A stack that hosts its server renders with no Prefect account: the server's task definition, its roles'
    policies, the worker pointed at the server's load balancer, and the database in the summary."""
    project = copy_project(
        tmp_path / "project", mode="worker", prefectServer={"enabled": True, "multiAz": True},
        prefectApiUrl=None, prefectApiKey=None,
    )  # fmt: skip
    out = tmp_path / "out"
    result = run_render(project, out)
    assert result.returncode == 0, result.stderr
    render = read_render(out)
    assert "iam/data-server-execution.policy.json" in render
    assert "iam/data-server-rotation.policy.json" in render
    server = as_json(render, "task-definitions/prefect-server_ecs-dev.json")["containerDefinitions"][0]
    assert server["command"][:3] == ["prefect", "server", "start"]
    # The UI reaches the API through CloudFront, whose domain only `pulumi up` learns.
    ui_api_url = {e["name"]: e["value"] for e in server["environment"]}["PREFECT_SERVER_UI_API_URL"]
    assert re.fullmatch(r"https://<.*known after pulumi up>\.cloudfront\.net/api", ui_api_url), ui_api_url
    worker = as_json(render, "task-definitions/prefect-worker_ecs-dev.json")["containerDefinitions"][0]
    url = {e["name"]: e["value"] for e in worker["environment"]}["PREFECT_API_URL"]
    assert re.fullmatch(r"http://[^/]+/api", url), url
    assert settings(render)["Prefect server"] == "data-server: 1 task(s)"
    assert settings(render)["worker service"] == "data-worker: 1 task(s)"
    database = settings(render)["Prefect server's database"]
    assert database.startswith("postgres 16, db.t4g.micro, 20 GiB, backups 1 day(s)")
    assert "multi-AZ" in database


def test_the_committed_dev_stack_renders_with_no_prefect_setting_anywhere(tmp_path: Path) -> None:
    """dev as committed hosts its server: no Prefect URL, key or auth string in the stack file, the command line
    or the environment, and the summary states what it costs before any flow runs."""
    project = copy_project(tmp_path / "project")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API_")}
    out = tmp_path / "out"
    result = run_render(project, out, env=environment)
    assert result.returncode == 0, result.stderr
    render = read_render(out)
    assert settings(render)["Prefect server"] == "data-server: 1 task(s)"
    summary = render["summary.md"].decode()
    assert "## Cost before any flow runs (USD a month" in summary
    rows = [line.split(" | ") for line in summary.splitlines() if line.startswith("| ")]
    costs = {row[0].removeprefix("| "): float(row[1]) for row in rows if len(row) == 3 and row[1][:1].isdigit()}
    assert {"load balancer", "data-server tasks", "data-worker tasks"} <= set(costs)
    assert any(item.startswith("database (db.t4g.micro") for item in costs)
    assert "NAT gateway" not in costs
    assert costs["total"] == pytest.approx(sum(value for item, value in costs.items() if item != "total"), abs=0.02)


def test_queues_limits_and_variables_render_as_request_bodies_and_tables(tmp_path: Path) -> None:
    """Each queue, limit and variable is the POST body its provider sends, and a row of the summary."""
    project = copy_project(
        tmp_path / "project",
        workQueues=[
            {"name": "reports", "description": "nightly"},
            {"name": "etl", "priority": 1, "concurrencyLimit": 4},
        ],
        concurrencyLimits=[{"name": "warehouse", "limit": 4, "slotDecayPerSecond": 0.5}],
        variables=[{"name": "region", "value": {"primary": "eu-west-1"}, "tags": ["etl"]}],
    )
    out = tmp_path / "out"
    result = run_render(project, out)
    assert result.returncode == 0, result.stderr
    render = read_render(out)
    assert as_json(render, "concurrency-limits/warehouse.json") == {
        "name": "warehouse",
        "limit": 4,
        "active": True,
        "slot_decay_per_second": 0.5,
    }
    assert as_json(render, "variables/region.json") == {
        "name": "region",
        "value": {"primary": "eu-west-1"},
        "tags": ["etl"],
    }
    assert as_json(render, "work-queues/etl.json") == {
        "name": "etl",
        "description": "",
        "is_paused": False,
        "concurrency_limit": 4,
        "priority": 1,
    }
    assert as_json(render, "work-queues/reports.json")["concurrency_limit"] is None
    summary = render["summary.md"].decode()
    assert "| etl | 1 | 4 | no |  |\n| reports | 2 | none | no | nightly |" in summary
    assert "| warehouse | 4 | 0.5 | yes |" in summary
    assert '| region | {"primary": "eu-west-1"} | etl |' in summary


def test_worker_mode_renders_the_workers_task_definition_and_policies(tmp_path: Path) -> None:
    project = cloud_project(tmp_path / "project", mode="worker", prefectApiUrl="http://prefect.internal:4200/api")
    out = tmp_path / "out"
    result = run_render(project, out)
    assert result.returncode == 0, result.stderr
    render = read_render(out)
    assert "task-definitions/prefect-worker_ecs-dev.json" in render
    assert "iam/data-worker.policy.json" in render
    assert "iam/data-task-events.queue-policy.json" in render
    assert settings(render)["worker service"] == "data-worker: 1 task(s)"
    worker = as_json(render, "task-definitions/prefect-worker_ecs-dev.json")["containerDefinitions"][0]
    environment = {e["name"]: e["value"] for e in worker.get("environment", [])}
    assert environment["PREFECT_API_URL"] == "http://prefect.internal:4200/api"
    assert settings(render)["credential prefectApiKey"].startswith("not in Pulumi.dev.yaml")


def test_the_console_script_is_the_same_command() -> None:
    """`pip install` puts `prefect-ecs-platform` beside the interpreter; it offers the render command."""
    script = shutil.which("prefect-ecs-platform", path=str(Path(sys.executable).parent))
    assert script is not None
    result = subprocess.run([script, "render", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "--stack" in result.stdout
