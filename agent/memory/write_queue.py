"""Queue memory writes on the platform: one memory-writer thread per user and memory type.

Runs on that thread are enqueued (`multitask_strategy="enqueue"`), so the platform executes one
user's writes one after another across all workers: no read-modify-write race can lose a fact.
A write waits `memory_delay_seconds`; when it starts and a later write is already queued, it
leaves its messages for that one, so a burst of messages costs one extraction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from langchain_core.messages import AnyMessage
from langgraph_sdk import get_client

from agent.context import Context

MEMORY_GRAPH_ID = "memory_writer"
_THREAD_NAMESPACE = uuid.UUID("5d1e9f4c-3b8a-4c3e-9a51-2f6f1d0b7e21")


def memory_thread_id(user_id: str, memory_type: str) -> str:
    """The fixed id of the thread that serialises ``user_id``'s ``memory_type`` writes."""
    return str(uuid.uuid5(_THREAD_NAMESPACE, f"{user_id}\x00{memory_type}"))


async def queue_write(ctx: Context, messages: Sequence[AnyMessage]) -> dict:
    """Enqueue a memory-writer run for ``messages``; returns {"thread_id", "run_id"}."""
    client = get_client()  # in-process: the server this graph runs in, with the caller's identity
    thread_id = memory_thread_id(ctx.user_id, ctx.memory_type)
    await client.threads.create(
        thread_id=thread_id,
        if_exists="do_nothing",
        metadata={"purpose": "memory", "user_id": ctx.user_id, "memory_type": ctx.memory_type},
    )
    run = await client.runs.create(
        thread_id,
        MEMORY_GRAPH_ID,
        input={"messages": [m.model_dump() for m in messages]},
        context=ctx.model_dump(include={"user_id", "memory_type", "model", "memory_top_k"}),
        multitask_strategy="enqueue",
        after_seconds=ctx.memory_delay_seconds,
    )
    return {"thread_id": thread_id, "run_id": run["run_id"]}


async def later_write_queued(thread_id: str, run_id: str | None) -> bool:
    """Whether another write waits on this memory thread (it will take this run's messages too)."""
    pending = await get_client().runs.list(thread_id, status="pending", limit=2)
    return any(run["run_id"] != run_id for run in pending)
