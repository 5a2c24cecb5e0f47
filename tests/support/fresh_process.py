"""Run Python code in a fresh process from the project root and read the JSON its last line prints.

For what belongs to a process (the cycle collector's settings, which modules are imported), which pytest's
own process, having run other tests first, cannot show.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def last_json_line(code: str, *argv: str) -> Any:
    # This checkout's package first: the venv's editable install may point at another checkout.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "components"), str(ROOT)])}
    command = [sys.executable, "-c", code, *argv]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
