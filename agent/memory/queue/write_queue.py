"""Queue memory writes on the platform: one memory-writer thread per user and memory type.

Runs on that thread are enqueued (`multitask_strategy="enqueue"`), so the platform executes one
user's writes one after another across all workers: no read-modify-write race can lose a fact.
A write waits ``delay_seconds``; when it starts and a later write is already queued, it leaves its
messages for that one, so a burst of messages costs one extraction. The thread's id and ownership:
`agent.memory.queue.writer_threads`.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AnyMessage
from langgraph_sdk import get_client

from agent.memory.queue.writer_threads import (
    MEMORY_GRAPH_ID,
    WRITER_OF,
    as_graph,
    writer_thread_id,
)
from agent.memory.records.episodes import CHAT_THREAD_TAG


async def queue_write(
    user_id: str,
    memory_type: str,
    messages: Sequence[AnyMessage],
    context: dict,
    delay_seconds: float,
    chat_thread_id: str | None = None,
) -> dict:
    """Enqueue a memory-writer run for ``messages`` with the run ``context``; returns {"thread_id", "run_id"}."""
    client = get_client()  # in-process: the server this graph runs in, with the caller's identity
    # With auth on, the server stamps the owner itself; without, this metadata is all `forget` has.
    thread_id = writer_thread_id(user_id, memory_type)
    with as_graph():
        await client.threads.create(
            thread_id=thread_id,
            if_exists="do_nothing",
            metadata={"purpose": "memory", "memory_type": memory_type, WRITER_OF: user_id},
        )
        run = await client.runs.create(  # type: ignore[call-overload]  # after_seconds: the API takes fractions
            thread_id,
            MEMORY_GRAPH_ID,
            input={"messages": [tag_chat_thread(m.model_dump(), chat_thread_id) for m in messages]},
            context=context,
            metadata={"chat_thread_id": chat_thread_id} if chat_thread_id else None,
            multitask_strategy="enqueue",
            after_seconds=delay_seconds,
        )
    return {"thread_id": thread_id, "run_id": run["run_id"]}


def tag_chat_thread(message: dict, chat_thread_id: str | None) -> dict:
    """The message, marked with the chat it was said in: the writer may take several chats' messages at once."""
    extra = {**(message.get("additional_kwargs") or {}), CHAT_THREAD_TAG: chat_thread_id}
    return {**message, "additional_kwargs": extra}


async def later_write_queued(thread_id: str, run_id: str | None) -> bool:
    """Whether another write waits on this memory thread (it will take this run's messages too)."""
    pending = await get_client().runs.list(thread_id, status="pending", limit=2)
    return any(run["run_id"] != run_id for run in pending)
