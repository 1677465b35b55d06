"""One memory write at a time per user and memory type, across every worker of the deployment.

A write reads the stored memory, asks the model (seconds) and saves the result: two writes of one user
interleaved this way lose each other's facts. Background writes are queued on one thread per user and
type already; hot-path writes run inside chat runs on many threads. Both hold this lock while they read,
extract and save. (Edits from the memory page and the command line are single puts with no model call;
a writer re-reads what it is about to change just before saving and refuses if an edit got there first.)

On a LangGraph server the lock is a lease on the platform's own run queue, the one primitive every worker
shares: a run created on the user's lock thread with ``multitask_strategy="reject"`` and
``after_seconds=LEASE_SECONDS``. While it is pending, any other attempt to create a run there is refused
(HTTP 409), so whoever created it holds the lock; releasing it cancels the run. The pending run needs no
job slot, so a chat run can hold the lock without waiting on another run (waiting for a queued memory-writer
run from inside a chat run would deadlock a server with one job per worker, `langgraph dev`'s default).

A lease names the run that holds it. A holder that dies with its worker leaves the lease pending; a writer
finding it cancels it when the holder run has ended, or is itself that run retried by the platform on
another worker (same run id). Failing all else, the lease run starts after LEASE_SECONDS, does nothing and
frees the thread.

Outside a server (the graph compiled in-process) an asyncio lock per event loop does the same job.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from langchain_core.runnables import RunnableConfig
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError

from agent.memory.queue.writer_threads import MEMORY_GRAPH_ID, as_graph, writer_thread_id

LEASE_SECONDS = 600  # longer than any write: a model call, trustcall's repairs and their retries
WAIT_SECONDS = 300
_local: dict[tuple[int, str, str], asyncio.Lock] = {}


class MemoryBusy(RuntimeError):
    """Another write of this user's memory held the lock for longer than a write may wait."""


def lock_thread_id(user_id: str, memory_type: str) -> str:
    """The fixed id of the thread whose run queue locks ``user_id``'s ``memory_type`` memory.

    A memory-writer thread id (with the server's MAC when auth is on): only the server's graphs may
    create it and run on it; its owner may read, cancel and delete it.
    """
    return writer_thread_id(user_id, f"{memory_type}-lock")


@asynccontextmanager
async def platform_lock(
    client: LangGraphClient, user_id: str, memory_type: str, holder: dict[str, str | None]
) -> AsyncIterator[None]:
    """Hold the lease on ``user_id``'s ``memory_type`` memory (any worker, any process); graph code only.

    ``holder`` names the run taking it: {"thread_id", "run_id"}.
    """
    thread_id = lock_thread_id(user_id, memory_type)
    with as_graph():
        await client.threads.create(
            thread_id=thread_id, if_exists="do_nothing", metadata={"purpose": "memory-lock", "memory_type": memory_type}
        )
    deadline, pause = time.monotonic() + WAIT_SECONDS, 0.05
    while True:
        try:
            with as_graph():
                lease = await client.runs.create(
                    thread_id,
                    MEMORY_GRAPH_ID,
                    input={"messages": []},
                    metadata={"holder": holder},
                    multitask_strategy="reject",
                    after_seconds=LEASE_SECONDS,
                )
            break
        except ConflictError:
            if await _cancel_if_abandoned(client, thread_id, holder):
                continue
            if time.monotonic() > deadline:
                raise MemoryBusy(
                    f"another write of {memory_type} memory held it for over {WAIT_SECONDS} s; nothing was written"
                ) from None
            await asyncio.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 1.5, 1.0)
    try:
        yield
    finally:
        try:
            with as_graph():
                await asyncio.shield(client.runs.cancel(thread_id, lease["run_id"]))
        except NotFoundError:
            pass  # the user's data was deleted meanwhile ("forget everything")


async def _cancel_if_abandoned(client: LangGraphClient, thread_id: str, me: dict[str, str | None]) -> bool:
    """Cancel the pending lease if its holder died: its run ended, or it is ``me`` (retried elsewhere)."""
    with as_graph():
        for lease in await client.runs.list(thread_id, status="pending", limit=5):
            holder = (lease.get("metadata") or {}).get("holder") or {}
            if holder.get("run_id") and holder["run_id"] != me.get("run_id"):
                try:
                    if (await client.runs.get(holder["thread_id"], holder["run_id"]))["status"] in (
                        "pending",
                        "running",
                    ):
                        continue  # alive (or handed over to another worker, which will find it is its own)
                except NotFoundError:
                    pass  # its thread is gone
            try:
                await client.runs.cancel(thread_id, lease["run_id"])
                return True
            except NotFoundError:
                return True  # released meanwhile
    return False


@asynccontextmanager
async def process_lock(user_id: str, memory_type: str) -> AsyncIterator[None]:
    """The same exclusion within one process and event loop (graphs compiled and run in-process)."""
    lock = _local.setdefault((id(asyncio.get_running_loop()), user_id, memory_type), asyncio.Lock())
    async with lock:
        yield


def write_lock(config: RunnableConfig, user_id: str, memory_type: str):
    """The lock for a write made inside a graph run: the platform's when a LangGraph server runs the graph."""
    configurable = config.get("configurable", {})
    if "assistant_id" not in configurable:  # set on every run a server starts
        return process_lock(user_id, memory_type)
    holder = {"thread_id": configurable.get("thread_id"), "run_id": configurable.get("run_id")}
    return platform_lock(get_client(), user_id, memory_type, holder)
