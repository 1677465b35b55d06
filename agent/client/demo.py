"""The demo conversation: teach facts on one thread, ask in a new one, show what the store holds.

`python -m agent.client demo` runs it against a running server; `make demo` starts one for it
(`devtools.demo`).
"""

from __future__ import annotations

import sys
from typing import TextIO

from langgraph_sdk.client import LangGraphClient

from agent.client.sdk import (
    RunFailed,
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
        try:
            note = await wait_for_memory(client, first["thread_id"]) or ""
        except RunFailed as error:
            note = f"not saved: {error}"
        out.write(f"(memory: {note})\n")
        second = await client.threads.create(metadata={"user": user})
        out.write(f"[thread 2, new] {user}: {RECALL}\n[thread 2, new] bot: ")
        recalls[memory_type] = await send(client, assistant_id, second["thread_id"], user, RECALL, out)
        kept = await memories(client, user, memory_type)
        print_memories(kept, memory_type, out)
        if not kept:
            out.write(f"    {why_empty(note)}\n")
    return recalls


def why_empty(note: str) -> str:
    """Why a memory type kept nothing from the demo's conversation, in plain words, from its write's note."""
    if note.startswith("not saved"):
        return "Nothing kept: the memory write failed (above); what was said stays queued for the next write."
    if "for your review" in note:
        return (
            "Nothing kept yet: what the model read in your words did not check out, so it waits for your review "
            "(`python -m agent.client review`, or the memory page)."
        )
    return (
        "Nothing kept: the model found nothing to remember in what was said. The embedded 135M model often "
        "misses facts; with OPENAI_API_KEY set, the demo uses OpenAI."
    )
