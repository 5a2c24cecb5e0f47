"""The Prefect half, resource level: Pulumi dynamic resources for work pools, block documents and deployments.

Each resource talks to Prefect's REST API (OSS server or Prefect Cloud) from Pulumi's provider host through
`prefect_api`, and looks the Prefect API key up at call time, never storing it on a provider (`credentials`).
`platform_objects` creates the component's pool, block and deployments from the AWS values `platform.py`
hands it. This part imports `prefect_api` and `inputs`, never the AWS half. Pulumi state pickles each
provider by reference to its module here (`work_pool`, `block_document`, `deployment`, `server_ready`,
`concurrency_limit`, `variable`, `work_queue`) and unpickles it on Read and Delete, so those paths are permanent.
"""

from prefect_ecs_platform.resources.block_document import BlockDocument, BlockDocumentProvider
from prefect_ecs_platform.resources.concurrency_limit import ConcurrencyLimit, ConcurrencyLimitProvider
from prefect_ecs_platform.resources.deployment import Deployment, DeploymentProvider
from prefect_ecs_platform.resources.server_ready import ServerReady, ServerReadyProvider
from prefect_ecs_platform.resources.variable import Variable, VariableProvider
from prefect_ecs_platform.resources.work_pool import WorkPool, WorkPoolProvider
from prefect_ecs_platform.resources.work_queue import WorkQueue, WorkQueueProvider

__all__ = [
    "BlockDocument",
    "BlockDocumentProvider",
    "ConcurrencyLimit",
    "ConcurrencyLimitProvider",
    "Deployment",
    "DeploymentProvider",
    "ServerReady",
    "ServerReadyProvider",
    "Variable",
    "VariableProvider",
    "WorkPool",
    "WorkPoolProvider",
    "WorkQueue",
    "WorkQueueProvider",
]
