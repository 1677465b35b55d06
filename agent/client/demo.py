"""The demo conversation: teach facts on one thread, ask in a new one, show what the store holds.

`python -m agent.client demo` runs it against a running server; `make demo` starts one for it
(`devtools.demo`).
"""

from __future__ import annotations

import sys
from typing import TextIO

from langgraph_sdk.client import LangGraphClient

from agent.client.sdk import (
    ensure_assistant,
    memories,
    print_memories,
    send,
    wait_for_memory,
)

TEACH = (
    "Hi! I'm Lance. I live in San Francisco and I like biking.",
    "I work as a software engineer.",
)
RECALL = "What do you remember about me? What is my name and where do I live?"


async def demo(
    client: LangGraphClient, user: str, memory_types: list[str], model: str | None, out: TextIO = sys.stdout
) -> dict[str, str]:
    """Teach facts on one thread, ask on a brand-new thread, print what the store holds."""
    recalls: dict[str, str] = {}
    for memory_type in memory_types:
        assistant_id = await ensure_assistant(client, memory_type, model=model)
        out.write(f"\n=== memory type: {memory_type} (assistant {assistant_id}) ===\n")
        first = await client.threads.create(metadata={"user": user})
        for text in TEACH:
            out.write(f"[thread 1] {user}: {text}\n[thread 1] bot: ")
            await send(client, assistant_id, first["thread_id"], user, text, out)
        out.write("(waiting for the background memory write)\n")
        await wait_for_memory(client, first["thread_id"])
        second = await client.threads.create(metadata={"user": user})
        out.write(f"[thread 2, new] {user}: {RECALL}\n[thread 2, new] bot: ")
        recalls[memory_type] = await send(client, assistant_id, second["thread_id"], user, RECALL, out)
        print_memories(await memories(client, user, memory_type), memory_type, out)
    return recalls
