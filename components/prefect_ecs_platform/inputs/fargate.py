"""AWS Fargate's task size rules, as AWS documents them for Linux tasks (platform version 1.4.0)."""

from __future__ import annotations

from prefect_ecs_platform.inputs.problems import Problem

_GIB = 1024


def _steps(start_gib: int, stop_gib: int, step_gib: int) -> tuple[int, ...]:
    return tuple(range(start_gib * _GIB, stop_gib * _GIB + 1, step_gib * _GIB))


#: Valid memory (MiB) for each Fargate CPU value (CPU units, 1024 = 1 vCPU).
FARGATE_MEMORY_BY_CPU: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: _steps(1, 4, 1),
    1024: _steps(2, 8, 1),
    2048: _steps(4, 16, 1),
    4096: _steps(8, 30, 1),
    8192: _steps(16, 60, 4),
    16384: _steps(32, 120, 8),
}


def _describe(memories: tuple[int, ...]) -> str:
    if len(memories) <= 3:
        return ", ".join(str(m) for m in memories)
    step = memories[1] - memories[0]
    return f"{memories[0]} to {memories[-1]} in steps of {step}"


def fargate_size_problems(cpu: object, memory: object, *, field_prefix: str = "") -> list[Problem]:
    """Check that `cpu` and `memory` form a task size Fargate accepts."""
    cpu_field, memory_field = f"{field_prefix}cpu", f"{field_prefix}memory"
    if isinstance(cpu, bool) or not isinstance(cpu, int) or cpu not in FARGATE_MEMORY_BY_CPU:
        allowed = ", ".join(str(c) for c in FARGATE_MEMORY_BY_CPU)
        return [Problem(cpu_field, cpu, f"Fargate accepts CPU units {allowed}")]
    memories = FARGATE_MEMORY_BY_CPU[cpu]
    if isinstance(memory, bool) or not isinstance(memory, int) or memory not in memories:
        return [Problem(memory_field, memory, f"with cpu={cpu} Fargate accepts memory (MiB) {_describe(memories)}")]
    return []
