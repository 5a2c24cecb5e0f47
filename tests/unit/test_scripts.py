"""The README's main-job command on a machine without the Pulumi CLI."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT


def test_up_without_pulumi_cli_says_how_to_install_it(tmp_path: Path) -> None:
    """scripts/up stops before touching anything and names the ways to install the CLI."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "cat"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "up"), "dev"],
        env={"PATH": str(bin_dir), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 127
    assert "The Pulumi CLI is not installed" in result.stderr
    assert "brew install pulumi/tap/pulumi" in result.stderr
