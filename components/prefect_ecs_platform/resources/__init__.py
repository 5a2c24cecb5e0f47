"""Pulumi dynamic resources for Prefect objects: work pools, block documents and deployments.

Each resource talks to Prefect's REST API (OSS server or Prefect Cloud) from Pulumi's provider host.
The Prefect API key is looked up at call time, never stored on a provider: see `credentials`.
"""

from prefect_ecs_platform.resources.block_document import BlockDocument, BlockDocumentProvider
from prefect_ecs_platform.resources.credentials import CONFIG_KEY as API_KEY_CONFIG_KEY
from prefect_ecs_platform.resources.deployment import Deployment, DeploymentProvider
from prefect_ecs_platform.resources.work_pool import WorkPool, WorkPoolProvider

__all__ = [
    "API_KEY_CONFIG_KEY",
    "BlockDocument",
    "BlockDocumentProvider",
    "Deployment",
    "DeploymentProvider",
    "WorkPool",
    "WorkPoolProvider",
]
