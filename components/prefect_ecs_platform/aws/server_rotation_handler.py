"""The Lambda that restarts the hosted Prefect server after RDS rotated its database password.

ECS hands a task its secrets once, when it starts; the running server keeps the old password and fails to
open connections after the rotation. A new deployment starts a task that reads the new one. Lambda runs this
file alone (as `index.py`), so it imports nothing but the standard library and boto3.
"""

from __future__ import annotations

import os
from typing import Any

import boto3

CLUSTER_VARIABLE = "PREFECT_SERVER_CLUSTER"
SERVICE_VARIABLE = "PREFECT_SERVER_SERVICE"


def redeploy(ecs: Any, *, cluster: str, service: str) -> str:
    """Start a new deployment of the service with its current task definition; return the deployment's id."""
    described = ecs.update_service(cluster=cluster, service=service, forceNewDeployment=True)["service"]
    primary = [d for d in described.get("deployments", []) if d.get("status") == "PRIMARY"]
    return str(primary[0]["id"]) if primary else ""


def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    """EventBridge's entry point: the event is the rotation's, already filtered to this server's secret."""
    cluster, service = os.environ[CLUSTER_VARIABLE], os.environ[SERVICE_VARIABLE]
    deployment = redeploy(boto3.client("ecs"), cluster=cluster, service=service)
    print(f"rotation {event.get('id', '?')}: new deployment {deployment} of {service}")
    return {"service": service, "deployment": deployment}
