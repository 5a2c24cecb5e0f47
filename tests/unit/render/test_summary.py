"""The render's summary.md: the same text whatever order the program's registrations reached the mocks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from prefect_ecs_platform.render.evaluate import evaluate
from prefect_ecs_platform.render.project_files import load_stack_files
from prefect_ecs_platform.render.summary import summary_markdown
from tests.support.render_project import cloud_project


def test_the_summary_does_not_depend_on_the_order_registrations_arrived(tmp_path: Path) -> None:
    # Worker mode registers two task definitions (the flows' and the worker's); which one's inputs resolve
    # first varies between runs, and the summary once listed them in that order.
    project = cloud_project(tmp_path / "project", mode="worker", prefectApiUrl="http://prefect.internal:4200/api")
    evaluation = evaluate(load_stack_files(project, "dev"))
    reversed_arrival = dataclasses.replace(evaluation, resources=list(reversed(evaluation.resources)))
    summary = summary_markdown(evaluation, ["a.json"])
    assert "| task definitions | prefect_ecs-dev (512/1024), prefect-worker_ecs-dev (512/1024) |" in summary
    assert summary_markdown(reversed_arrival, ["a.json"]) == summary
