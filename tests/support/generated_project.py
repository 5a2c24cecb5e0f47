"""A copy of this project whose flows/prefect.yaml holds N deployments, and a stack file for one server.

Every benchmark runs the project's own `__main__.py`, flows and Pulumi.yaml; only the deployment list
and the stack file are written for the run. Each deployment has a cron schedule and job variables, as
in the baseline the benchmarks are measured against.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
STACK = "bench"
#: Copied as they are: the program, the project file and the flow code the deployments point at.
_PROJECT_FILES = ("Pulumi.yaml", "__main__.py")
_FLOW_FILES = ("etl.py", "healthcheck.py", "Dockerfile", "requirements.txt")


def deployment(index: int, *, hour: int = 6) -> dict[str, Any]:
    """The benchmark's deployment `index`, as a prefect.yaml entry."""
    return {
        "name": f"bench-{index:04d}",
        "entrypoint": "flows/etl.py:etl",
        "parameters": {"orders_per_day": 100 + index},
        "schedules": [{"cron": f"{index % 60} {hour} * * *", "timezone": "UTC", "slug": "daily"}],
        "work_pool": {"job_variables": {"cpu": 512, "memory": 1024}},
    }


def write_prefect_yaml(project: Path, deployments: list[dict[str, Any]]) -> None:
    document = {"prefect-version": "3.8.8", "name": "bench-flows", "deployments": deployments}
    (project / "flows" / "prefect.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def make_project(project: Path, count: int, api_url: str) -> Path:
    """Write the project into `project` with `count` deployments on a worker-mode stack of `api_url`."""
    (project / "flows").mkdir(parents=True, exist_ok=True)
    for name in _PROJECT_FILES:
        shutil.copy(ROOT / name, project / name)
    for name in _FLOW_FILES:
        shutil.copy(ROOT / "flows" / name, project / "flows" / name)
    write_prefect_yaml(project, [deployment(i) for i in range(count)])
    stack = {
        "config": {
            "aws:region": "eu-west-1",
            "prefect-ecs-platform:prefectApiUrl": api_url,
            "prefect-ecs-platform:mode": "worker",
            "prefect-ecs-platform:workPoolName": "ecs-bench",
        }
    }
    (project / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump(stack))
    return project
