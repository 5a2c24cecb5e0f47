"""The stack's global concurrency limits and variables: what its flows read at run time, so made before the
deployments that start those runs and deleted after them."""

from __future__ import annotations

import pulumi

from prefect_ecs_platform.inputs.api_access import PrefectApiAccess
from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.resources.concurrency_limit import ConcurrencyLimit
from prefect_ecs_platform.resources.variable import Variable


def create_shared_objects(
    name: str, args: PrefectEcsPlatformArgs, *, api: PrefectApiAccess, opts: pulumi.ResourceOptions
) -> list[pulumi.Resource]:
    """One resource per `args.concurrency_limits` and `args.variables`, named after the Prefect object; `opts`
    carries what the API waits for."""
    made: list[pulumi.Resource] = [
        ConcurrencyLimit(
            f"{name}-concurrency-limit-{limit.name}",
            name=limit.name,
            limit=limit.limit,
            active=limit.active,
            slot_decay_per_second=float(limit.slot_decay_per_second),
            **api.resource_inputs(),
            opts=opts,
        )
        for limit in args.concurrency_limits
    ]
    made += [
        Variable(
            f"{name}-variable-{variable.name}",
            name=variable.name,
            value=variable.value,
            tags=list(variable.tags),
            **api.resource_inputs(),
            opts=opts,
        )
        for variable in args.variables
    ]
    return made
