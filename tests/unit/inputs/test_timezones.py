"""Reading many scheduled deployments lists the time zones on disk once, with Prefect's rule unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prefect._internal.schemas import validators

from prefect_ecs_platform.inputs import timezones
from prefect_ecs_platform.inputs.deployment_validation import deployment_problems
from prefect_ecs_platform.inputs.job_variables import template_variable_names
from prefect_ecs_platform.inputs.prefect_yaml import read_prefect_yaml
from tests.support import ROOT

COUNT = 30


def _prefect_yaml(tmp_path: Path, zone: str) -> Path:
    entries = "".join(
        f"""
  - name: d{index}
    entrypoint: flows/etl.py:etl
    schedules:
      - cron: "{index % 60} 6 * * *"
        timezone: {zone}
      - interval: 3600
        timezone: {zone}
"""
        for index in range(COUNT)
    )
    path = tmp_path / "prefect.yaml"
    path.write_text(f"deployments:{entries}")
    return path


@pytest.fixture
def listings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times Prefect's validators listed the zones on disk."""
    calls: list[int] = []
    original = validators.get_timezones

    def counting() -> Any:
        calls.append(1)
        return original()

    monkeypatch.setattr(validators, "get_timezones", counting)
    monkeypatch.setattr(timezones, "_original", counting)
    return calls


def test_many_deployments_list_the_zones_once(tmp_path: Path, listings: list[int]) -> None:
    deployments, problems = read_prefect_yaml(_prefect_yaml(tmp_path, "Europe/Berlin"))
    problems += deployment_problems(deployments, project_root=ROOT, template_variables=template_variable_names())
    assert (len(deployments), problems) == (COUNT, [])
    assert len(listings) == 2  # once for the file's model, once for the deployments' checks


def test_an_unknown_zone_is_still_refused_and_the_validator_restored(tmp_path: Path, listings: list[int]) -> None:
    deployments, _ = read_prefect_yaml(_prefect_yaml(tmp_path, "Mars/Olympus"))
    problems = deployment_problems(deployments, project_root=ROOT, template_variables=template_variable_names())
    assert {p.field for p in problems} == {
        f"deployments[{index}].schedules[{position}].timezone" for index in range(COUNT) for position in (0, 1)
    }
    assert validators.get_timezones is timezones._original
