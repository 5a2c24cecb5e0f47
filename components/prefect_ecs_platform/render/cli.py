"""`prefect-ecs-platform render --stack dev --out DIR`: write a stack's plan for review."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import pulumi

from prefect_ecs_platform.inputs.problems import InvalidInputError
from prefect_ecs_platform.render.artifacts import review_files
from prefect_ecs_platform.render.evaluate import evaluate
from prefect_ecs_platform.render.project_files import StackFilesError, load_stack_files
from prefect_ecs_platform.render.summary import summary_markdown

SUMMARY = "summary.md"
#: What a render writes into DIR, so a second render replaces the first without touching anything else.
_OWNED = (SUMMARY, "work-pool", "deployments", "iam", "task-definitions")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prefect-ecs-platform")
    commands = parser.add_subparsers(dest="command", required=True)
    render = commands.add_parser(
        "render",
        help="write what a stack would create (summary, pool, deployments, IAM, task definitions), offline",
        description="Evaluate the stack's program offline, as pulumi up would, and write the plan into DIR.",
    )
    render.add_argument("--stack", required=True, help="the stack whose Pulumi.<stack>.yaml is rendered")
    render.add_argument("--out", required=True, type=Path, metavar="DIR", help="where the files go")
    render.add_argument("--cwd", type=Path, default=Path.cwd(), help="the Pulumi project directory (default: .)")
    render.add_argument(
        "--config",
        "-c",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a config value on top of the stack file, as `pulumi up --config` sets it (not saved)",
    )
    return parser


def render(project_dir: Path, stack: str, out: Path, overrides: Sequence[str] = ()) -> list[str]:
    """Evaluate `stack` of the project in `project_dir` and write its plan into `out`; return the paths."""
    evaluation = evaluate(load_stack_files(project_dir.resolve(), stack, overrides))
    files = review_files(evaluation.resources)
    files = {SUMMARY: summary_markdown(evaluation, files), **files}
    for owned in _OWNED:
        target = out / owned
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    for path, text in files.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(text)
    return list(files)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        written = render(args.cwd, args.stack, args.out, args.config)
    except (StackFilesError, InvalidInputError, pulumi.RunError) as error:
        # The CLI's and the program's own words, as `pulumi up` prints them.
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} files to {args.out}")
    return 0
