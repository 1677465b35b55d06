"""The one path a turn's messages take into memory, for both graphs: the chat's hot path and the memory writer.

It reads the run's configuration once (who, which memory type, which model) and the run's provenance (its
source, the chat thread, the run), takes the user's write lock of each kind it writes, and hands the messages
to `agent.memory.write.turn.remember_turn`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from langchain_core.messages import AnyMessage
from langgraph.config import get_config
from langgraph.runtime import Runtime

from agent.context import Context, context_of, store_of
from agent.memory.queue.write_lock import write_lock
from agent.memory.write.turn import remember_turn
from agent.models.registry import load_chat_model


async def write_turn(
    runtime: Runtime[Context],
    messages: Sequence[AnyMessage],
    source: Literal["hot_path", "memory_writer"],
    chat_thread_id: str | None,
) -> str:
    """Write what ``messages`` teach into the run's user's memory; the write's note."""
    config = get_config()
    ctx = context_of(runtime)
    provenance = {
        "source": source,
        "chat_thread_id": chat_thread_id,
        "run_id": config.get("configurable", {}).get("run_id"),
    }
    return await remember_turn(
        store_of(runtime),
        load_chat_model(ctx.model),
        ctx.user_id,
        ctx.memory_type,
        messages,
        ctx.memory_top_k,
        provenance,
        lock=lambda kind: write_lock(config, ctx.user_id, kind),
    )
