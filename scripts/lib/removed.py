"""Lists what a `pulumi destroy` removed: the resources of the first state export missing from the second.

Usage: removed.py BEFORE.json AFTER.json (files from `pulumi stack export`). With GITHUB_STEP_SUMMARY set
(GitHub Actions), the list also goes to the job summary.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def resources(export: Path) -> dict[str, str]:
    """URN -> type of every resource in the export, the stack itself left out."""
    document = json.loads(export.read_text() or "{}")
    listed = (document.get("deployment") or {}).get("resources") or []
    return {r["urn"]: r["type"] for r in listed if r["type"] != "pulumi:pulumi:Stack"}


def main(before: Path, after: Path) -> int:
    remaining = resources(after)
    removed = sorted((typ, urn.rsplit("::", 1)[-1]) for urn, typ in resources(before).items() if urn not in remaining)
    lines = [f"Removed {len(removed)} resources:", *(f"- {typ} {name}" for typ, name in removed)]
    if remaining:
        lines.append(f"Still in the stack: {len(remaining)} resources")
    print("\n".join(lines))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as out:
            out.write("\n".join(["## pulumi destroy", "", *lines]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
