"""Every AWS call made in-process while a recording window is open: operation, parameters and moto's answer.

Recorded at botocore's single entry point for API calls, so prefect-aws's worker is run unmodified; the test's
own checks (after the window closes) are not recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
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
    original = BaseClient._make_api_call

    def make_api_call(client: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        response = original(client, operation_name, api_params)
        if recorded._open:
            service = client.meta.service_model.service_name
            recorded.calls.append(AwsCall(service, operation_name, dict(api_params), dict(response)))
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", make_api_call)
        yield recorded
