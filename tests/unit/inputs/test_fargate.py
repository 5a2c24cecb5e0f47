"""Fargate task-size rules."""

import pytest

from prefect_ecs_platform.inputs.fargate import FARGATE_MEMORY_BY_CPU, fargate_size_problems


@pytest.mark.parametrize(
    ("cpu", "memory"),
    [(256, 512), (256, 2048), (512, 4096), (1024, 8192), (4096, 30720), (8192, 61440), (16384, 122880)],
)
def test_documented_pairs_are_accepted(cpu: int, memory: int) -> None:
    """Every pair AWS documents as valid passes."""
    assert fargate_size_problems(cpu, memory) == []


def test_memory_outside_the_cpu_range_names_the_allowed_range() -> None:
    """256 CPU with 4096 MiB (which moto would accept) is refused with the range that cpu allows."""
    [problem] = fargate_size_problems(256, 4096)
    assert problem.field == "memory"
    assert problem.value == 4096
    assert problem.allowed == "with cpu=256 Fargate accepts memory (MiB) 512, 1024, 2048"


def test_large_cpu_uses_coarser_memory_steps() -> None:
    """8 vCPU memory moves in 4 GiB steps, so 17 GiB is refused."""
    [problem] = fargate_size_problems(8192, 17408)
    assert problem.allowed == "with cpu=8192 Fargate accepts memory (MiB) 16384 to 61440 in steps of 4096"


def test_unknown_cpu_lists_the_cpu_values() -> None:
    """A cpu Fargate has no size for is refused with every valid cpu value."""
    [problem] = fargate_size_problems(300, 1024, field_prefix="deployments[0].")
    assert problem.field == "deployments[0].cpu"
    assert problem.allowed == "Fargate accepts CPU units 256, 512, 1024, 2048, 4096, 8192, 16384"


def test_booleans_are_not_sizes() -> None:
    """True is an int in Python but never a task size."""
    assert fargate_size_problems(True, 512)[0].field == "cpu"


def test_table_matches_aws_counts() -> None:
    """The generated ranges have the lengths AWS's table implies (e.g. 27 sizes for 4 vCPU)."""
    assert [len(v) for v in FARGATE_MEMORY_BY_CPU.values()] == [3, 4, 7, 13, 23, 12, 12]
