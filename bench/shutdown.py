"""A benchmark told to stop (SIGTERM) unwinds as on Ctrl-C, so the servers and clusters it started, which run
detached and would outlive it, are stopped and their scratch files removed."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, with SIGTERM cancelling ``main``; the process then exits with status 143."""

    async def cancelled_by_sigterm() -> T:
        task = asyncio.current_task()
        assert task is not None  # a coroutine asyncio.run runs is a task
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await main

    try:
        return asyncio.run(cancelled_by_sigterm())
    except asyncio.CancelledError:
        sys.exit(128 + signal.SIGTERM)
