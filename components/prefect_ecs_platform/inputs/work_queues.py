"""The stack's work queues: what is refused before anything is created, the priority each gets, and the queues
the worker polls."""

from __future__ import annotations

from dataclasses import dataclass

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.prefect_names import object_name_problems
from prefect_ecs_platform.inputs.problems import Problem, repeated
from prefect_ecs_platform.inputs.shared_object_args import WorkQueueArgs

#: The queue every pool is made with, and the one a deployment that names no queue is on.
DEFAULT_QUEUE = "default"


@dataclass(frozen=True)
class PoolQueue:
    """A queue the stack makes in its pool, with the priority it owns."""

    args: WorkQueueArgs
    priority: int
    #: From the deprecated `work_queue_names`: such a queue may already be in the pool, made by the worker
    #: polling it or a deployment naming it, and is the stack's to take over.
    adopt: bool


def pool_queues(args: PrefectEcsPlatformArgs) -> list[PoolQueue]:
    """The queues to make, first priority first: given priorities as given, then the queues without one in the
    order listed, after the highest given."""
    declared = list(args.work_queues)
    adopt = False
    if not declared:
        declared = [WorkQueueArgs(name=name) for name in args.work_queue_names if name != DEFAULT_QUEUE]
        adopt = True
    last = max((queue.priority for queue in declared if isinstance(queue.priority, int)), default=0)
    queues = []
    for queue in declared:
        if isinstance(queue.priority, int):
            priority = queue.priority
        else:
            last += 1
            priority = last
        queues.append(PoolQueue(queue, priority, adopt))
    return sorted(queues, key=lambda queue: queue.priority)


def polled_queues(args: PrefectEcsPlatformArgs) -> list[str]:
    """The `--work-queue`s of the worker: none (every queue of the pool) when the stack declares none."""
    if not args.work_queues:
        return list(args.work_queue_names)
    names = [queue.args.name for queue in pool_queues(args)]
    if any(deployment.work_queue_name in (None, DEFAULT_QUEUE) for deployment in args.deployments):
        names.append(DEFAULT_QUEUE)
    return names


def _whole(value: object, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _queue_problems(index: int, queue: WorkQueueArgs) -> list[Problem]:
    place = f"work_queues[{index}]"
    problems = object_name_problems(queue.name, f"{place}.name")
    if not problems and queue.name == DEFAULT_QUEUE:
        problems.append(
            Problem(
                f"{place}.name",
                queue.name,
                "a queue other than the pool's own `default`, which the pool is made with and keeps",
            )
        )
    if queue.priority is not None and not _whole(queue.priority, 1):
        problems.append(Problem(f"{place}.priority", queue.priority, "a whole number, 1 or more (1 is polled first)"))
    if queue.concurrency_limit is not None and not _whole(queue.concurrency_limit, 0):
        problems.append(
            Problem(f"{place}.concurrency_limit", queue.concurrency_limit, "a whole number of runs, 0 or more")
        )
    return problems


def work_queue_problems(args: PrefectEcsPlatformArgs) -> list[Problem]:
    """Each queue's own rules, names and priorities unique, one of the two keys, and every deployment's
    `work_queue_name` a queue the stack declares."""
    queues = list(args.work_queues)
    problems = [problem for index, queue in enumerate(queues) for problem in _queue_problems(index, queue)]
    problems += repeated("work_queues[{index}].name", [q.name for q in queues], "a name no other entry of the list has")
    problems += repeated(
        "work_queues[{index}].priority", [q.priority for q in queues], "a priority no other queue of the list has"
    )
    if queues and args.work_queue_names:
        problems.append(
            Problem(
                "work_queue_names",
                list(args.work_queue_names),
                "nothing when `work_queues` is given; it is deprecated, list the queues in `work_queues`",
            )
        )
    declared = {queue.name for queue in queues} | set(args.work_queue_names) | {DEFAULT_QUEUE}
    for index, deployment in enumerate(args.deployments):
        if deployment.work_queue_name is not None and deployment.work_queue_name not in declared:
            named = ", ".join(sorted(declared))
            problems.append(
                Problem(
                    f"deployments[{index}].work_queue_name",
                    deployment.work_queue_name,
                    f"a queue the stack declares in `work_queues` (now: {named}); the server would make an "
                    "undeclared one, which no stack manages",
                )
            )
    return problems
