"""Health check of the platform: a run of this flow proves the image starts, reaches the Prefect API and exits.

Run it locally with `python flows/healthcheck.py`.
"""

from __future__ import annotations

import os
import platform

import prefect
from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client


class HealthcheckFailedError(RuntimeError):
    """The health check failed, on purpose or because the Prefect API did not answer."""


@flow(name="healthcheck", retries=0)
def healthcheck(fail: bool = False) -> dict[str, str]:
    """Report the runtime and check that the Prefect API answers from inside the flow run.

    Args:
        fail: Fail on purpose, to prove that failed runs are reported and alerted on.
    """
    logger = get_run_logger()
    with get_client(sync_client=True) as client:
        error = client.api_healthcheck()
    if error is not None:
        raise HealthcheckFailedError(f"the Prefect API did not answer the health check: {error}")
    report = {
        "python": platform.python_version(),
        "prefect": prefect.__version__,
        # Set by ECS on every task; absent when the flow runs anywhere else.
        "ecs_task": os.environ.get("ECS_CONTAINER_METADATA_URI_V4", "not on ECS"),
    }
    logger.info("healthy: %s", report)
    if fail:
        raise HealthcheckFailedError("failing on purpose: the flow was run with fail=True")
    return report


if __name__ == "__main__":
    healthcheck()
