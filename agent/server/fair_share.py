"""A fair share of the job slots: one user's chat threads run or wait at most ``limits.ACTIVE_RUNS`` at a time.

A run is admitted when it goes to a thread of the caller's that is already busy (it waits behind that thread's
run and takes no slot of its own), or when the caller's busy chat threads number fewer than the limit. They
are counted in the server's own database, so the limit holds across replicas; the threads this server
admitted in the last moments count too, until the database shows them (a burst of requests arrives before
any of its runs is stored). Beyond the limit: HTTP 429 with Retry-After. Memory writes run on the user's
memory-writer threads, which are the server's, and never count.
"""

from __future__ import annotations

import asyncio
import time
import uuid

from langgraph_sdk import get_client

from agent import limits
from agent.memory.writer_threads import OWNER
from agent.server.request_bounds import refuse

RECENT_SECONDS = 5.0
MOST_LISTED = 1_000  # the most threads one search lists; a higher limit counts as this many
RETRY_AFTER_SECONDS = 2
_admitted: dict[str, dict[str, float]] = {}  # user -> {thread_id: when this server admitted a run to it}
_locks: dict[str, asyncio.Lock] = {}


async def admit(user: str, thread_id: object) -> None:
    """Admit a run of ``user``'s on ``thread_id`` (None: a thread the run creates), or raise HTTP 429."""
    limit = limits.ACTIVE_RUNS.value()
    lock = _locks.setdefault(user, asyncio.Lock())
    async with lock:
        now = time.monotonic()
        recent = {t: at for t, at in _admitted.get(user, {}).items() if now - at < RECENT_SECONDS}
        active = await _busy_threads(user, limit) | set(recent)
        thread = str(thread_id) if thread_id is not None else None
        if thread is None or thread not in active:
            if len(active) >= limit:
                raise refuse(
                    429,
                    f"you have {len(active)} conversations running or waiting; the limit is {limit} at once "
                    f"({limits.ACTIVE_RUNS.env}): try again when one has answered",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                )
            recent[thread or f"new-{uuid.uuid4()}"] = now
        _admitted[user] = recent


async def _busy_threads(user: str, limit: int) -> set[str]:
    """The ids of ``user``'s chat threads with a run running or waiting (up to ``limit`` of them)."""
    found = await get_client().threads.search(  # in-process, made by the server itself: no auth handler
        metadata={OWNER: user}, status="busy", limit=min(limit, MOST_LISTED), select=["thread_id"]
    )
    return {str(thread["thread_id"]) for thread in found}
