"""Run a stack's own program under the plan mocks, as `pulumi up` would run it, and keep what it registered.

The program is the project's main file, run as the Python language host runs it: as `__main__`, from the
project directory, with the stack's config and secret keys set. `preview=False`, so every `apply` runs. The
environment it sees holds no credentials and no Pulumi or AWS settings, so the result does not depend on
who renders; where `pulumi up` would take the Prefect API key from the environment, a marked placeholder
stands in.
"""

from __future__ import annotations

import logging
import os
import runpy
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pulumi

import prefect_ecs_platform.inputs.stack_config  # noqa: F401 - see below
from prefect_ecs_platform.inputs.config_keys import API_KEY_KEY, API_URL_KEY, AUTH_STRING_KEY
from prefect_ecs_platform.inputs.placeholders import UNKNOWN_REGION, accepting_placeholders, secret_placeholder
from prefect_ecs_platform.inputs.prefect_names import is_prefect_cloud_url
from prefect_ecs_platform.render.plan_mocks import PlanMocks, Registered, RepositoryReferenceMonitor
from prefect_ecs_platform.render.project_files import StackFiles
from prefect_ecs_platform.resources.credentials import API_KEY, AUTH_STRING

# The stack config's models are built when this module loads, not while the program registers resources: built
# there, under the program's allocations, they more than double its young collections (tests/unit/test_collector.py).

#: Environment variables the program, the Pulumi SDK or the AWS and Prefect libraries read settings from.
_AMBIENT_PREFIXES = ("AWS_", "PREFECT_", "PULUMI_")


@dataclass(frozen=True)
class Evaluation:
    files: StackFiles
    resources: list[Registered]
    #: Where each Prefect credential comes from when `pulumi up` runs, by config key.
    credential_sources: dict[str, str]
    warnings: list[str]


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    for name in [name for name in os.environ if name.startswith(_AMBIENT_PREFIXES)]:
        del os.environ[name]
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _as_language_host(program: Path, cwd: Path) -> Iterator[None]:
    before_cwd, before_path = Path.cwd(), list(sys.path)
    os.chdir(cwd)
    sys.path.insert(0, str(program.parent))
    try:
        yield
    finally:
        os.chdir(before_cwd)
        sys.path[:] = before_path


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _credential_sources(files: StackFiles) -> tuple[dict[str, str], dict[str, str]]:
    """(where each Prefect credential comes from under `pulumi up`, the environment the program sees)."""
    sources: dict[str, str] = {}
    environment: dict[str, str] = {}
    cloud = is_prefect_cloud_url(files.config.get(f"{files.project}:{API_URL_KEY}", ""))
    for key, credential in ((API_KEY_KEY, API_KEY), (AUTH_STRING_KEY, AUTH_STRING)):
        if f"{files.project}:{key}" in files.config:
            sources[key] = f"{files.stack_file.name} (secure)"
        elif cloud and credential is API_KEY:
            # Prefect Cloud needs the key, so `pulumi up` must find it in its environment.
            sources[key] = f"{credential.env_var} in the environment of pulumi up"
            environment[credential.env_var] = secret_placeholder(sources[key])
        else:
            sources[key] = f"not in {files.stack_file.name}; {credential.env_var} if pulumi up's environment sets it"
    return sources, environment


def evaluate(files: StackFiles, mocks: pulumi.runtime.Mocks | None = None) -> Evaluation:
    """Run the stack's program; raise what it raises, as `pulumi up` would report it.

    `mocks` answer the registrations instead of the plan mocks (the benchmarks pass mocks that send the
    Prefect objects to a real provider host); they keep what they answered in `resources` and name the
    stack's partition in `partition`, as the plan mocks do.
    """
    if mocks is None:
        mocks = PlanMocks(region=files.config.get("aws:region") or UNKNOWN_REGION)
    sources, environment = _credential_sources(files)
    warnings = _Warnings()
    logger = logging.getLogger("prefect_ecs_platform.render.program")
    logger.addHandler(warnings)
    logger.propagate = False

    def program() -> None:
        runpy.run_path(str(files.program), run_name="__main__")

    try:
        with _environment(environment), _as_language_host(files.program, files.root), accepting_placeholders():
            pulumi.runtime.set_mocks(
                mocks,
                project=files.project,
                stack=files.stack,
                preview=False,
                logger=logger,
                monitor=RepositoryReferenceMonitor(mocks),
            )
            pulumi.runtime.set_all_config(dict(files.config), secret_keys=list(files.secret_keys))
            pulumi.runtime.test(program)()
    finally:
        pulumi.runtime.set_all_config({}, secret_keys=[])
        logger.removeHandler(warnings)
    return Evaluation(files, list(getattr(mocks, "resources", [])), sources, warnings.messages)
