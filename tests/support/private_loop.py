"""Running one coroutine to completion outside the program's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


def run_in_private_loop(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """`coroutine`'s result, from a loop of its own.

    asyncio.run would unset the thread's current loop, which Pulumi's mocks need later.
    """
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()
