"""The event loop the commands run on: uvloop where it is installed, asyncio's own otherwise.

uvloop (libuv) does the same work as asyncio's loop with much less CPU per network event and
thread wake-up — the bulk of what a chat bot does. Everything here uses only the asyncio API,
so the project runs unchanged on either loop (the tests use asyncio's).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # e.g. on Windows, where uvloop does not exist
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """Like asyncio.run, on the fastest loop available."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
