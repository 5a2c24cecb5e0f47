"""The docs: every relative link resolves, the README stays short, and it lists the component's own outputs.

`python -m tests.unit.test_docs --write` rewrites the README's outputs block from the registered names.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from prefect_ecs_platform.platform import OUTPUT_NAMES, PrefectEcsPlatform

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = [README, ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 220
BEGIN, END = "<!-- outputs: begin -->", "<!-- outputs: end -->"
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def outputs_block() -> str:
    """The outputs table, in registration order, each with the type its annotation declares."""
    rows = ["| output | type |", "|---|---|"]
    for name in OUTPUT_NAMES:
        declared = PrefectEcsPlatform.__annotations__[name].removeprefix("pulumi.Output[").removesuffix("]")
        rows.append(f"| `{name}` | `{declared.replace('|', chr(92) + '|')}` |")
    return "\n".join([BEGIN, *rows, END])


def _with_outputs(text: str) -> str:
    before, _, rest = text.partition(BEGIN)
    _, _, after = rest.partition(END)
    return before + outputs_block() + after


def _anchors(path: Path) -> set[str]:
    """Heading anchors as GitHub makes them: lower case, punctuation dropped, spaces to dashes, repeats numbered."""
    seen: dict[str, int] = {}
    for line in FENCE.sub("", path.read_text()).splitlines():
        if not line.startswith("#"):
            continue
        slug = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        seen[slug] = seen.get(slug, -1) + 1
        if seen[slug]:
            seen[f"{slug}-{seen[slug]}"] = 0
    return set(seen)


def _broken_links(path: Path, root: Path = ROOT) -> list[str]:
    broken = []
    for target in LINK.findall(FENCE.sub("", path.read_text())):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        resolved = (path.parent / file).resolve() if file else path
        if not resolved.exists():
            broken.append(f"{path.relative_to(root)}: {target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken.append(f"{path.relative_to(root)}: {target} (no such heading)")
    return broken


def test_every_relative_link_resolves_to_a_file_and_heading() -> None:
    """Each relative link in README.md, CONTRIBUTING.md and docs/*.md names an existing file and heading."""
    assert [broken for path in DOCS for broken in _broken_links(path)] == []


def test_the_link_check_reports_a_missing_file_and_heading(tmp_path: Path) -> None:
    """The check above can fail: a link to a missing file and one to a missing heading are both reported."""
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[a](missing.md) [b](#title) [c](#absent) [d](https://example.org/x)\n")
    assert _broken_links(page, tmp_path) == [
        "page.md: missing.md (no such file)",
        "page.md: #absent (no such heading)",
    ]


def test_the_readme_stays_short() -> None:
    """README.md is for users: what, first deploy, main keys, links; the rest lives in docs/."""
    assert len(README.read_text().splitlines()) <= README_MAX_LINES


def test_the_readme_lists_exactly_the_outputs_the_component_registers() -> None:
    """The outputs block equals what `--write` generates from the names register_outputs is given."""
    text = README.read_text()
    assert BEGIN in text
    assert END in text
    assert text == _with_outputs(text), "run `python -m tests.unit.test_docs --write`"


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.unit.test_docs --write")
    README.write_text(_with_outputs(README.read_text()))
