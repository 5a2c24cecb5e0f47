"""Thin synchronous access to Prefect's REST API (OSS server and Prefect Cloud share its routes)."""

from prefect_ecs_platform.prefect_api.client import PrefectApi, is_cloud_url
from prefect_ecs_platform.prefect_api.errors import Conflict, NotFound, PrefectApiError

__all__ = ["Conflict", "NotFound", "PrefectApi", "PrefectApiError", "is_cloud_url"]
