"""Benchmark: create, no-op refresh and delete N deployments through the Deployment provider on a local server.

Run: `python -m bench.create_deployments --count 200` (from the project root, with the test extras
installed). It starts its own Prefect server on loopback and prints one line per phase. For comparison it
also times the baseline of ../shared/FACTS.md measured the same way on the same server: one raw
`POST /deployments/` upsert per deployment, sequentially through the same retrying client (which, unlike the
provider, would silently adopt and later destroy another stack's deployment of the same name).

The provider does more per deployment than a blind upsert: it ensures the flow, refuses to take over an
existing deployment, and reads the stored object back so the next `pulumi up` diffs against the server.
Pulumi runs independent creates in parallel, so the provider is also timed with a thread pool.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "components"))
sys.path.insert(0, str(ROOT))

from prefect_ecs_platform.inputs.job_variables import default_ecs_template  # noqa: E402
from prefect_ecs_platform.prefect_api import PrefectApi  # noqa: E402
from prefect_ecs_platform.prefect_api.request_bodies import work_pool_body  # noqa: E402
from prefect_ecs_platform.resources import DeploymentProvider, WorkPoolProvider  # noqa: E402
from tests.acceptance.engine_values import as_grpc  # noqa: E402
from tests.prefect_server import running_prefect_server  # noqa: E402

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/flows@sha256:" + "e" * 64


def deployment_props(api_url: str, pool: str, flow: str, index: int) -> dict[str, Any]:
    return as_grpc(
        {
            "name": f"bench-{index:04d}",
            "flow_name": flow,
            "work_pool_name": pool,
            "entrypoint": "flows/etl.py:etl",
            "job_variables": {"image": IMAGE, "cpu": 512, "memory": 1024},
            "schedules": [
                {
                    "schedule": {"cron": f"{index % 60} 6 * * *", "timezone": "UTC", "day_or": True},
                    "active": True,
                    "parameters": {},
                    "slug": "daily",
                }
            ],
            "api_url": api_url,
            "adopt_existing": False,
        }
    )


def timed(label: str, count: int, action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    print(f"{label:<48} {elapsed:8.1f} s  {elapsed / count * 1000:7.1f} ms/deployment", flush=True)
    return elapsed


def run(count: int, workers: int) -> None:
    with tempfile.TemporaryDirectory() as home, running_prefect_server(Path(home)) as api_url:
        pools = WorkPoolProvider()
        pools.create(as_grpc({**work_pool_body("bench", "ecs", default_ecs_template()), "api_url": api_url}))
        provider = DeploymentProvider()

        def create_all(flow: str, parallel: int) -> list[str]:
            props = [deployment_props(api_url, "bench", flow, i) for i in range(count)]
            with ThreadPoolExecutor(parallel) as pool:
                return [r.id for r in pool.map(provider.create, props)]

        ids: list[str] = []
        timed(f"provider create, sequential ({count})", count, lambda: ids.extend(create_all("bench-seq", 1)))

        def refresh_all() -> None:
            for index, deployment_id in enumerate(ids):
                props = deployment_props(api_url, "bench", "bench-seq", index)
                if provider.diff(deployment_id, provider.read(deployment_id, props).outs or {}, props).changes:
                    raise AssertionError(f"deployment {index} diffs after create")

        def delete_all() -> None:
            for deployment_id in ids:
                provider.delete(deployment_id, {"api_url": api_url})

        timed(f"provider read + diff (no-op refresh, {count})", count, refresh_all)
        timed(f"provider delete, sequential ({count})", count, delete_all)
        parallel_ids: list[str] = []
        timed(
            f"provider create, {workers} threads ({count})",
            count,
            lambda: parallel_ids.extend(create_all("bench-par", workers)),
        )

        def raw_upserts() -> None:
            # One POST /deployments/ each, through the same retrying client, and nothing else.
            with PrefectApi(api_url) as api:
                flow_id, _ = api.ensure_flow("bench-raw")
                for i in range(count):
                    body = deployment_props(api_url, "bench", "x", i)
                    for key in ("flow_name", "api_url", "adopt_existing"):
                        body.pop(key)
                    api.upsert_deployment({**body, "flow_id": flow_id}, f"deployment bench-{i}")

        timed(f"baseline: raw POST /deployments/ ({count})", count, raw_upserts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    run(args.count, args.workers)


if __name__ == "__main__":
    main()
