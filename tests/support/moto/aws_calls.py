"""Every AWS call made in-process while a recording window is open: operation, parameters and moto's answer.

Recorded at botocore's and aiobotocore's single entry points for API calls (prefect-aws's worker uses the first,
its observer the second), so both run unmodified. The test's own calls are left out: those made outside the
window, and those of clients a test marks as its own (`own_clients`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from aiobotocore.client import AioBaseClient
from botocore.client import BaseClient


@dataclass(frozen=True)
class AwsCall:
    service: str
    operation: str
    params: dict[str, Any]
    response: dict[str, Any]


@dataclass
class AwsCalls:
    calls: list[AwsCall] = field(default_factory=list)
    _open: bool = False
    _own: set[int] = field(default_factory=set)

    def own_clients(self, session: boto3.Session, patch: pytest.MonkeyPatch) -> None:
        """Leave out the calls of every client `session` creates from now on: the test's own."""
        create = session.client

        def client(*args: Any, **kwargs: Any) -> Any:
            made = create(*args, **kwargs)
            self._own.add(id(made))
            return made

        patch.setattr(session, "client", client)

    def _keep(self, client: Any, operation: str, params: dict[str, Any], response: dict[str, Any]) -> None:
        if self._open and id(client) not in self._own:
            self.calls.append(AwsCall(client.meta.service_model.service_name, operation, dict(params), dict(response)))

    @contextmanager
    def window(self) -> Iterator[None]:
        """Record the calls made inside."""
        self._open = True
        try:
            yield
        finally:
            self._open = False


@contextmanager
def recording_aws_calls() -> Iterator[AwsCalls]:
    recorded = AwsCalls()
    original, original_async = BaseClient._make_api_call, AioBaseClient._make_api_call

    def make_api_call(client: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        response = original(client, operation_name, api_params)
        recorded._keep(client, operation_name, api_params, response)
        return response

    async def make_async_api_call(client: AioBaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        response = await original_async(client, operation_name, api_params)
        recorded._keep(client, operation_name, api_params, response)
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", make_api_call)
        patch.setattr(AioBaseClient, "_make_api_call", make_async_api_call)
        yield recorded
