"""Prefect's time-zone check, with the list of zones read once per validation instead of once per schedule.

Prefect's schedule validators (`prefect._internal.schemas.validators.default_timezone`) list every zone on
disk, about 600 files, each time a schedule model is built; prefect.yaml's schedule union builds several
models per entry, so reading 200 deployments listed the zones about a thousand times (over ten seconds).
The zones on disk do not change while a program is validated, so within `zones_listed_once` the list is
read once and the rule stays Prefect's own.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

from prefect._internal.schemas import validators

_guard = threading.Lock()
_users = [0]  # blocks open now, in any thread
_original: Callable[[], Any] | None = getattr(validators, "get_timezones", None)


@contextlib.contextmanager
def zones_listed_once() -> Iterator[None]:
    """Within the block (nested or from several threads), Prefect lists the zones on disk at most once."""
    if _original is None:  # a Prefect that checks zones another way: nothing to share
        yield
        return
    with _guard:
        _users[0] += 1
        if _users[0] == 1:
            validators.get_timezones = functools.cache(_original)
    try:
        yield
    finally:
        with _guard:
            _users[0] -= 1
            if _users[0] == 0:
                validators.get_timezones = _original
