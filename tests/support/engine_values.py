"""Values as a dynamic provider receives them from the engine."""

from __future__ import annotations

from typing import Any

from pulumi.runtime import rpc

from tests.support.private_loop import run_in_private_loop


def as_grpc(value: Any) -> Any:
    """Encode `value` with the SDK's own serializer and decode it as the provider host does.

    The round trip turns every number into a float and drops map entries whose value is None, which is
    what a provider sees in `create`, `diff` and `update`.
    """
    if not isinstance(value, dict):
        return rpc.deserialize_properties(run_in_private_loop(rpc.serialize_properties({"value": value}, {})))["value"]
    return rpc.deserialize_properties(run_in_private_loop(rpc.serialize_properties(value, {})))
