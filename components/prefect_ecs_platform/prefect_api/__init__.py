"""The Prefect half, wire level: what goes over Prefect's REST API, and the thin client that sends it.

The client (`client`, `errors`; OSS server and Prefect Cloud share its routes), the request bodies, and the
work pool's base job template. It imports only `inputs`; the dynamic resources in `resources` build on it.
The client is re-exported here because the resources, tests and benchmarks all speak through it.
"""

from prefect_ecs_platform.prefect_api.client import PrefectApi, is_cloud_url
from prefect_ecs_platform.prefect_api.errors import Conflict, NotFound, PrefectApiError

__all__ = ["Conflict", "NotFound", "PrefectApi", "PrefectApiError", "is_cloud_url"]
