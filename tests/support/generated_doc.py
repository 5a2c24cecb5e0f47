"""The command line of a generated doc: `--write` writes it, without it the text goes to stdout."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.support import ROOT


def write_or_show(doc: Path, text: str, description: str) -> int:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--write", action="store_true", help=f"write {doc.relative_to(ROOT)}")
    if parser.parse_args().write:
        doc.write_text(text)
    else:
        sys.stdout.write(text)
    return 0
