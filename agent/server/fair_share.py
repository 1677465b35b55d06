"""A fair share of the job slots: one user's chat threads run or wait at most ``limits.ACTIVE_RUNS`` at a time.

A run is admitted when it goes to a thread of the caller's that is already busy (it waits behind that thread's
run and takes no slot of its own, up to ``limits.QUEUED_RUNS`` such runs of the user's waiting at once), or when
the caller's busy chat threads number fewer than the limit. A run that creates its thread counts once: its
thread, once the database shows it, is taken for it. They
are counted in the server's own database, so the limit holds across replicas; the threads this server
admitted in the last moments count too, until the database shows them (a burst of requests arrives before
any of its runs is stored). Beyond the limit: HTTP 429 with Retry-After. Memory writes run on the user's
memory-writer threads, which are the server's, and never count.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

from langgraph_sdk import get_client

from agent import limits
from agent.memory.queue.writer_threads import OWNER
from agent.server.request_bounds import refuse

RECENT_SECONDS = 5.0
MOST_LISTED = 1_000  # the most threads one search lists; a higher limit counts as this many
RETRY_AFTER_SECONDS = 2
NEW = "new-"  # a run that creates its thread (threadless): its thread has no id yet


@dataclass
class _Admitted:
    at: float
    seen: frozenset[str] = frozenset()
    """For a run that creates its thread: the busy threads the database showed when it was admitted."""


_admitted: dict[str, dict[str, _Admitted]] = {}  # user -> {thread id, or NEW + uuid: when this server admitted it}
_locks: dict[str, asyncio.Lock] = {}


def _counted(busy: set[str], recent: dict[str, _Admitted]) -> set[str]:
    """The threads that count: the busy ones, those admitted here by id, and each threadless run admitted here
    whose thread the database does not show yet. A thread that appeared since a threadless run was admitted is
    taken for its thread, so the run counts once, not twice."""
    named = {thread for thread in recent if not thread.startswith(NEW)}
    unclaimed = busy - named
    counted = busy | named
    for key, admitted in sorted(((k, a) for k, a in recent.items() if k.startswith(NEW)), key=lambda i: i[1].at):
        appeared = sorted(unclaimed - admitted.seen)
        if appeared:
            unclaimed.discard(appeared[0])
        else:
            counted.add(key)
    return counted


async def admit(user: str, thread_id: object) -> None:
    """Admit a run of ``user``'s on ``thread_id`` (None: a thread the run creates), or raise HTTP 429."""
    limit = limits.ACTIVE_RUNS.value()
    lock = _locks.setdefault(user, asyncio.Lock())
    async with lock:
        now = time.monotonic()
        recent = {t: a for t, a in _admitted.get(user, {}).items() if now - a.at < RECENT_SECONDS}
        busy = await _busy_threads(user, limit)
        active = _counted(busy, recent)
        thread = str(thread_id) if thread_id is not None else None
        if thread is not None and thread in busy:
            await _room_in_queue(busy)
        if thread is None or thread not in active:
            if len(active) >= limit:
                raise refuse(
                    429,
                    f"you have {len(active)} conversations running or waiting; the limit is {limit} at once "
                    f"({limits.ACTIVE_RUNS.env}): try again when one has answered",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                )
            if thread is None:
                recent[f"{NEW}{uuid.uuid4()}"] = _Admitted(now, frozenset(busy))
            else:
                recent[thread] = _Admitted(now)
        _admitted[user] = recent


async def _room_in_queue(busy: set[str]) -> None:
    """Raise HTTP 429 when the user's runs waiting behind another on its thread reach the limit. A thread's
    first pending run, when nothing runs there yet, waits behind no other: it does not count."""
    most = limits.QUEUED_RUNS.value()
    waiting = 0
    for thread in sorted(busy):
        runs = await get_client().runs.list(thread, limit=most + 2)
        pending = sum(run["status"] == "pending" for run in runs)
        running = any(run["status"] == "running" for run in runs)
        waiting += pending if running else max(pending - 1, 0)
        if waiting >= most:
            raise refuse(
                429,
                f"you have {waiting} messages waiting for a reply; the limit is {most} "
                f"({limits.QUEUED_RUNS.env}): try again when one has answered",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )


async def _busy_threads(user: str, limit: int) -> set[str]:
    """The ids of ``user``'s chat threads with a run running or waiting (up to ``limit`` of them)."""
    found = await get_client().threads.search(  # in-process, made by the server itself: no auth handler
        metadata={OWNER: user}, status="busy", limit=min(limit, MOST_LISTED), select=["thread_id"]
    )
    return {str(thread["thread_id"]) for thread in found}
