"""The cycle collector during the stack program's registrations: no full walk of the import-time heap.

The project's `__main__.py` tunes the collector; `evaluate` runs that file as the language host does.

Each case runs in a fresh Python process, because the settings belong to the process and pytest's own
process has run other programs first.
"""

from __future__ import annotations

import pytest

from tests.support.fresh_process import last_json_line

pytestmark = pytest.mark.subprocess

_EVALUATE_200 = """
import gc, json, sys, tempfile
from pathlib import Path
from tests.support.generated_project import STACK, make_project
from prefect_ecs_platform.render.evaluate import evaluate
from prefect_ecs_platform.render.project_files import load_stack_files
from tests.support.pulumi_mocks import RecordingMocks
import prefect_ecs_platform.collector

if sys.argv[1:] == ["untuned"]:
    # As if the program had never tuned the collector: the call becomes a no-op.
    prefect_ecs_platform.collector._tuned[0] = True
files = load_stack_files(make_project(Path(tempfile.mkdtemp()), 200, "http://127.0.0.1:9/api"), STACK)
before = [generation["collections"] for generation in gc.get_stats()]
mocks = RecordingMocks()
evaluate(files, mocks)
after = [generation["collections"] for generation in gc.get_stats()]
deployments = sum(r.typ.endswith(":Deployment") for r in mocks.resources)
print(json.dumps({"collections": [b - a for a, b in zip(before, after)], "deployments": deployments}))
"""

_TUNE_TWICE = """
import gc, json
from prefect_ecs_platform.collector import tune_for_registration

gc.set_threshold(20000, 5, 100)
tune_for_registration()
first = gc.get_freeze_count()
kept = [[index] for index in range(1000)]
tune_for_registration()
print(json.dumps({"threshold": gc.get_threshold(), "first": first, "second": gc.get_freeze_count()}))
"""


def test_registering_200_deployments_walks_the_whole_heap_not_once() -> None:
    result = last_json_line(_EVALUATE_200)
    assert result["deployments"] == 200
    young, _, full = result["collections"]
    assert full == 0
    assert young > 0  # the collector still runs: cyclic garbage is still freed


def test_the_same_program_untuned_walks_the_whole_heap_several_times() -> None:
    """What the tuning saves: with Python's default settings each full collection walks the roughly 200,000
    objects the imports leave."""
    result = last_json_line(_EVALUATE_200, "untuned")
    assert result["deployments"] == 200
    assert result["collections"][2] >= 2


def test_a_programs_own_higher_thresholds_are_kept_and_a_second_call_freezes_nothing_more() -> None:
    result = last_json_line(_TUNE_TWICE)
    assert result["threshold"] == [20000, 50, 100]
    assert result["first"] > 0
    assert result["second"] == result["first"]
