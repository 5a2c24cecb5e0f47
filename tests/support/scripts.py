"""The project's helper scripts (`scripts/lib/*.py`, not a package) loaded as modules, to test their functions."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from tests.support import ROOT


def load_script(name: str) -> ModuleType:
    """`scripts/lib/<name>.py` as a module named `name`."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "lib" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up by name.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
