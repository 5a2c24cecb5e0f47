"""Fixtures every test may use: Pulumi's runtime on recording mocks, no ambient Prefect credentials, and a
throwaway PostgreSQL per module that asks for one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prefect_ecs_platform.resources import credentials
from tests.support.postgres import Postgres, running_postgres
from tests.support.pulumi_mocks import PulumiHarness, RecordingMocks, mocked_pulumi

pytest_plugins = ["tests.support.lanes"]


@pytest.fixture
def pulumi_harness() -> Iterator[PulumiHarness]:
    """A fresh set of mocks per test, answering as AWS's commercial partition does."""
    with mocked_pulumi(RecordingMocks()) as harness:
        yield harness


@pytest.fixture
def china_pulumi_harness() -> Iterator[PulumiHarness]:
    """Mocks answering as the aws-cn partition does (cn-north-1)."""
    with mocked_pulumi(RecordingMocks(partition="aws-cn", region="cn-north-1")) as harness:
        yield harness


@pytest.fixture
def no_ambient_prefect_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees credentials configured by another test or the developer's environment."""
    for credential in credentials.CREDENTIALS:
        monkeypatch.delenv(credential.env_var, raising=False)
    credentials.forget_configuration()
    yield
    credentials.forget_configuration()


@pytest.fixture(scope="module")
def database() -> Iterator[Postgres]:
    """One throwaway PostgreSQL (TLS, a password login) for the module's servers."""
    with running_postgres() as running:
        yield running
