"""`prefect.deploy(...)` of the deployments in deploy-spec.yaml, build and push off (run by bench.methods).

Arguments: the project directory, the work pool and the image. Each deployment's schedule, parameters
and job variables are the benchmark's; the flow is loaded from its entrypoint as `prefect deploy` loads it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import yaml
from prefect import deploy
from prefect.deployments.runner import RunnerDeployment
from prefect.flows import Flow, load_flow_from_entrypoint
from prefect.schedules import Cron


def main(project: Path, pool: str, image: str) -> None:
    os.chdir(project)
    spec = yaml.safe_load((project / "deploy-spec.yaml").read_text())
    flow: Flow[..., Any] = load_flow_from_entrypoint(spec[0]["entrypoint"])
    deployments: list[RunnerDeployment] = [
        flow.to_deployment(  # type: ignore[misc]  # sync outside an event loop (async_dispatch)
            name=entry["name"],
            schedule=Cron(entry["schedules"][0]["cron"], timezone=entry["schedules"][0]["timezone"]),
            parameters=entry["parameters"],
            job_variables=entry["work_pool"]["job_variables"],
        )
        for entry in spec
    ]
    deploy(*deployments, work_pool_name=pool, image=image, build=False, push=False, print_next_steps_message=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
