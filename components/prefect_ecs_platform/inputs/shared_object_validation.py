"""Rules for the stack's global concurrency limits and variables: what Prefect's server refuses, refused first,
with the place the user wrote it."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from prefect.types import MAX_VARIABLE_NAME_LENGTH, MAX_VARIABLE_VALUE_LENGTH

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.prefect_names import object_name_problems
from prefect_ecs_platform.inputs.problems import MISSING, Problem, repeated

_VARIABLE_NAME = re.compile(r"^[a-z0-9_-]+$")
_UNIQUE = "a name no other entry of the list has"


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _limit_problems(index: int, limit: Any) -> list[Problem]:
    place = f"concurrency_limits[{index}]"
    problems = object_name_problems(limit.name, f"{place}.name")
    if not isinstance(limit.limit, int) or isinstance(limit.limit, bool) or limit.limit < 0:
        problems.append(Problem(f"{place}.limit", limit.limit, "a whole number of slots, 0 or more"))
    if not _number(limit.slot_decay_per_second) or limit.slot_decay_per_second < 0:
        problems.append(
            Problem(f"{place}.slot_decay_per_second", limit.slot_decay_per_second, "a number of slots, 0 or more")
        )
    return problems


def _variable_problems(index: int, variable: Any) -> list[Problem]:
    place = f"variables[{index}]"
    problems = []
    name = variable.name
    if not isinstance(name, str) or not _VARIABLE_NAME.match(name) or len(name) > MAX_VARIABLE_NAME_LENGTH:
        problems.append(
            Problem(
                f"{place}.name",
                name or MISSING,
                f"lowercase letters, digits, dashes and underscores, at most {MAX_VARIABLE_NAME_LENGTH} "
                "characters, as Prefect requires",
            )
        )
    try:
        size = len(json.dumps(variable.value, separators=(",", ":"), allow_nan=False))
    except (TypeError, ValueError):
        problems.append(Problem(f"{place}.value", str(variable.value), "a JSON value"))
    else:
        if size > MAX_VARIABLE_VALUE_LENGTH:
            problems.append(
                Problem(
                    f"{place}.value",
                    f"<{size} characters as JSON>",
                    f"a value of at most {MAX_VARIABLE_VALUE_LENGTH} characters as JSON, as Prefect requires",
                )
            )
    if isinstance(variable.tags, str) or not all(isinstance(tag, str) for tag in variable.tags):
        problems.append(Problem(f"{place}.tags", variable.tags, "a list of strings"))
    return problems


def shared_object_problems(args: PrefectEcsPlatformArgs) -> list[Problem]:
    """Each limit's and variable's own rules, and names unique within each list."""
    problems = [p for index, limit in enumerate(args.concurrency_limits) for p in _limit_problems(index, limit)]
    problems += repeated("concurrency_limits[{index}].name", [limit.name for limit in args.concurrency_limits], _UNIQUE)
    problems += [p for index, variable in enumerate(args.variables) for p in _variable_problems(index, variable)]
    problems += repeated("variables[{index}].name", [variable.name for variable in args.variables], _UNIQUE)
    return problems
