"""The other ways to put the same deployments on a server, each through the counting proxy.

- `raw_posts`: one `POST /deployments/` per deployment with the body the provider sends, through Prefect's
  own retrying client: the floor for any client of this server (sequential, or from threads).
- `prefect_deploy`: `prefect.deploy(...)` with build and push off, in a process of its own.
- `prefect_deploy_cli`: `prefect deploy --all` from a prefect.yaml holding the same deployments.

The stack's deployments are named `bench-NNNN-bench`; each method here uses its own prefix, so all can
exist side by side and each method deletes its own afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.resources.deployment import create_body
from tests.support.generated_project import ROOT

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/data-flows@sha256:" + "e" * 64
_PULL = [{"prefect.deployments.steps.set_working_directory": {"directory": "/opt/prefect"}}]


def raw_posts(api_url: str, stack_inputs: list[dict[str, Any]], prefix: str, threads: int) -> list[str]:
    """POST each body once; the flow is ensured once beforehand, as any client would."""
    with PrefectApi(api_url) as api:
        flow_id, _ = api.ensure_flow(str(stack_inputs[0]["flow_name"]))

        def post(inputs: dict[str, Any]) -> str:
            body = create_body({**inputs, "name": f"{prefix}{inputs['name']}"}, flow_id)
            return str(api.upsert_deployment(body, f"deployment {body['name']}")["id"])

        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(post, stack_inputs))


def delete_all(api_url: str, prefix: str) -> None:
    """Delete every deployment named with `prefix` (untimed clean-up between methods)."""
    with PrefectApi(api_url) as api:
        found = api.request("POST", "/deployments/filter", "deployments", json={"limit": 200})[0]
        while found:
            for item in found:
                if str(item["name"]).startswith(prefix):
                    api.delete_deployment(str(item["id"]))
            remaining = api.request("POST", "/deployments/filter", "deployments", json={"limit": 200})[0]
            found = [item for item in remaining if str(item["name"]).startswith(prefix)]


def _environment(api_url: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({"PREFECT_API_URL": api_url, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    return env


def prefect_deploy(api_url: str, project: Path, deployments: list[dict[str, Any]], pool: str, home: Path) -> None:
    """`prefect.deploy(...)` of the same deployments, timed from its own process's start."""
    spec = [{**entry, "name": f"deploy-{entry['name']}"} for entry in deployments]
    (project / "deploy-spec.yaml").write_text(yaml.safe_dump(spec))
    command = [sys.executable, "-m", "bench.prefect_deploy", str(project), pool, IMAGE]
    env = {**_environment(api_url, home), "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "components")])}
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def prefect_deploy_cli(api_url: str, project: Path, deployments: list[dict[str, Any]], pool: str, home: Path) -> None:
    """`prefect deploy --all` from a prefect.yaml of the same deployments, pool and image."""
    entries = [
        {
            **entry,
            "name": f"cli-{entry['name']}",
            "work_pool": {"name": pool, "job_variables": {**entry["work_pool"]["job_variables"], "image": IMAGE}},
        }
        for entry in deployments
    ]
    document = {"name": "bench", "prefect-version": "3.8.8", "build": None, "push": None, "pull": _PULL}
    (project / "prefect-cli.yaml").write_text(yaml.safe_dump({**document, "deployments": entries}, sort_keys=False))
    command = [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all", "--prefect-file", "prefect-cli.yaml"]
    subprocess.run(command, cwd=project, env=_environment(api_url, home), check=True, stdout=subprocess.DEVNULL)
