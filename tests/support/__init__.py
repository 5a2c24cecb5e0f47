"""What the tests share: mocks, harnesses, proxies, servers and builders; test modules import only from here.

Importing it puts the package's source on sys.path, so the tests also run from a checkout where the package
is not installed.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "components"))
