"""Values as a dynamic provider receives them from the engine."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from pulumi.runtime import rpc


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    # A private loop: asyncio.run would clear the thread's current loop, which Pulumi's mocks rely on.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def as_grpc(value: Any) -> Any:
    """Encode `value` with the SDK's own serializer and decode it as the provider host does.

    The round trip turns every number into a float and drops map entries whose value is None, which is
    what a provider sees in `create`, `diff` and `update`.
    """
    if not isinstance(value, dict):
        return rpc.deserialize_properties(_run(rpc.serialize_properties({"value": value}, {})))["value"]
    return rpc.deserialize_properties(_run(rpc.serialize_properties(value, {})))
