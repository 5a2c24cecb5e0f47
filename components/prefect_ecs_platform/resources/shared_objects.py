"""The stack's work queues, global concurrency limits and variables: what its deployments name and its flows
read at run time, so made before the deployments that start those runs and deleted after them."""

from __future__ import annotations

import pulumi

from prefect_ecs_platform.inputs.api_access import PrefectApiAccess
from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.work_queues import pool_queues
from prefect_ecs_platform.resources.concurrency_limit import ConcurrencyLimit
from prefect_ecs_platform.resources.variable import Variable
from prefect_ecs_platform.resources.work_pool import WorkPool
from prefect_ecs_platform.resources.work_queue import WorkQueue


def create_work_queues(
    name: str, args: PrefectEcsPlatformArgs, pool: WorkPool, *, api: PrefectApiAccess, opts: pulumi.ResourceOptions
) -> list[pulumi.Resource]:
    """One resource per queue of the pool, each after the one of the priority before it, each carrying every
    queue's priority, which it puts back after the server's renumbering (resources/work_queue.py)."""
    queues = pool_queues(args)
    priorities = {queue.args.name: queue.priority for queue in queues}
    made: list[pulumi.Resource] = []
    for queue in queues:
        made.append(
            WorkQueue(
                f"{name}-work-queue-{queue.args.name}",
                name=queue.args.name,
                work_pool_name=pool.name,
                work_pool_id=pool.id,
                description=queue.args.description,
                is_paused=queue.args.paused,
                concurrency_limit=queue.args.concurrency_limit,
                priority=queue.priority,
                pool_priorities=priorities,
                adopt_existing=queue.adopt,
                **api.resource_inputs(),
                opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=made[-1:])),
            )
        )
    return made


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
