"""A real Prefect server for the acceptance tests: started once per session on loopback, then stopped."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator

import pytest
from prefect.settings.models.server.services import ServerServicesSettings, ServicesBaseSetting
from prefect_aws.workers.ecs_worker import ECSWorker
from pulumi.runtime.proto import provider_pb2_grpc

from prefect_ecs_platform.prefect_api import PrefectApi
from tests.support.prefect_server import running_prefect_server
from tests.support.provider_host import running_provider_host


@pytest.fixture(scope="session")
def prefect_api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The shared server of the acceptance tests, started once per session."""
    with running_prefect_server(tmp_path_factory.mktemp("prefect-home")) as api_url:
        yield api_url


@pytest.fixture(autouse=True)
def _isolated_credentials(no_ambient_prefect_credentials: None) -> None:
    """Every acceptance test starts without ambient Prefect credentials."""


@pytest.fixture
def api(prefect_api_url: str) -> Iterator[PrefectApi]:
    """A client for asserting the server's state independently of the providers."""
    with PrefectApi(prefect_api_url) as client:
        yield client


@pytest.fixture
def unique() -> str:
    """A short suffix that keeps names of different tests apart on the shared server."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def pool(api: PrefectApi, unique: str) -> Iterator[str]:
    """An ECS work pool for deployments to point at."""
    name = f"dpool-{unique}"
    api.create_work_pool(
        {"name": name, "type": "ecs", "base_job_template": copy.deepcopy(ECSWorker.get_default_base_job_template())}
    )
    yield name
    api.delete_work_pool(name)


@pytest.fixture
def host() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """Pulumi's real provider host, started for one test."""
    with running_provider_host() as stub:
        yield stub


#: None of the server's background services: on SQLite they only add write contention (real 503s that
#: would blur which faults a test injected) and CPU time to tests bound by the server.
SERVICES_OFF = {
    f"PREFECT_SERVER_SERVICES_{service.upper()}_ENABLED": "false"
    for service, field in ServerServicesSettings.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, ServicesBaseSetting)
}


@pytest.fixture(scope="session")
def quiet_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second server, without background services, for the tests that send thousands of requests."""
    with running_prefect_server(tmp_path_factory.mktemp("quiet-prefect-home"), SERVICES_OFF) as api_url:
        yield api_url


@pytest.fixture
def quiet_server(quiet_server_url: str) -> Iterator[PrefectApi]:
    """A client reading the quiet server directly (not through any proxy)."""
    with PrefectApi(quiet_server_url) as client:
        yield client
