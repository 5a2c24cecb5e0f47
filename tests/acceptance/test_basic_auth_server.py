"""A self-hosted Prefect server with basic auth: the providers authenticate with the auth string."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prefect_ecs_platform.inputs.job_variables import default_ecs_template
from prefect_ecs_platform.prefect_api import NotFound, PrefectApi, PrefectApiError
from prefect_ecs_platform.prefect_api.request_bodies import work_pool_body
from prefect_ecs_platform.resources import WorkPoolProvider
from tests.support.engine_values import as_grpc
from tests.support.prefect_server import running_prefect_server

pytestmark = pytest.mark.server

AUTH_STRING = "platform:not-a-real-password"


@pytest.fixture(scope="module")
def auth_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second server that refuses requests without `Authorization: Basic` for AUTH_STRING."""
    home = tmp_path_factory.mktemp("prefect-auth-home")
    with running_prefect_server(home, {"PREFECT_SERVER_API_AUTH_STRING": AUTH_STRING}) as api_url:
        yield api_url


def pool_props(api_url: str, **extra: object) -> dict[str, object]:
    body = work_pool_body("ecs-auth", "ecs", default_ecs_template())
    return as_grpc({**body, "api_url": api_url, "adopt_existing": False, **extra})


def test_without_the_auth_string_the_server_refuses(auth_server_url: str) -> None:
    """The server really enforces basic auth, so the next test proves something."""
    with PrefectApi(auth_server_url) as api, pytest.raises(PrefectApiError) as raised:
        api.read_work_pool("ecs-auth")
    assert raised.value.status_code == 401


def test_auth_string_from_the_environment_authenticates(auth_server_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With PREFECT_API_AUTH_STRING set, the provider creates, reads and deletes the pool."""
    monkeypatch.setenv("PREFECT_API_AUTH_STRING", AUTH_STRING)
    provider = WorkPoolProvider()
    props = pool_props(auth_server_url)
    created = provider.create(props)
    assert provider.read(created.id, props).outs is not None
    provider.delete(created.id, props)
    with PrefectApi(auth_server_url, auth_string=AUTH_STRING) as api, pytest.raises(NotFound):
        api.read_work_pool("ecs-auth")


def test_auth_string_input_is_the_fallback_and_never_an_output(auth_server_url: str) -> None:
    """The secret input authenticates when nothing else is configured, and no output carries it."""
    provider = WorkPoolProvider()
    props = pool_props(auth_server_url, api_auth_string=AUTH_STRING)
    created = provider.create(props)
    assert AUTH_STRING not in str(created.outs)
    provider.delete(created.id, props)
