"""The demo conversation, and `make demo`: start `langgraph dev` on a free port, run it, stop the server."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from dotenv import dotenv_values
from langgraph_sdk.client import LangGraphClient

from agent.client.sdk import (
    connect,
    ensure_assistant,
    memories,
    print_memories,
    send,
    wait_for_memory,
)
from agent.context import LOCAL_MODEL, MEMORY_TYPES
from agent.server import tokens
from agent.server.dev_server import PROJECT_ROOT, DevServer, config_copy

DEMO_SCRIPT = {
    "teach": [
        "Hi! I'm Lance. I live in San Francisco and I like biking.",
        "I work as a software engineer.",
    ],
    "recall": "What do you remember about me? What is my name and where do I live?",
}


async def demo(client: LangGraphClient, user: str, memory_types: list[str], model: str | None, out: TextIO = sys.stdout) -> dict[str, str]:
    """Teach facts on one thread, ask on a brand-new thread, print what the store holds."""
    recalls: dict[str, str] = {}
    for memory_type in memory_types:
        assistant_id = await ensure_assistant(client, memory_type, model)
        out.write(f"\n=== memory type: {memory_type} (assistant {assistant_id}) ===\n")
        first = await client.threads.create(metadata={"user": user})
        for text in DEMO_SCRIPT["teach"]:
            out.write(f"[thread 1] {user}: {text}\n[thread 1] bot: ")
            await send(client, assistant_id, first["thread_id"], user, text, out)
        out.write("(waiting for the background memory write)\n")
        await wait_for_memory(client, first["thread_id"])
        second = await client.threads.create(metadata={"user": user})
        out.write(f"[thread 2, new] {user}: {DEMO_SCRIPT['recall']}\n[thread 2, new] bot: ")
        recalls[memory_type] = await send(client, assistant_id, second["thread_id"], user, DEMO_SCRIPT["recall"], out)
        print_memories(await memories(client, user, memory_type), memory_type, out)
    return recalls


def _choose_model() -> str:
    """The model for the demo's assistants: OpenAI (or OPENAI_BASE_URL) with a key, else the embedded one."""
    settings = {**dotenv_values(PROJECT_ROOT / ".env"), **os.environ}
    if settings.get("OPENAI_API_KEY"):
        print(f"Model: openai:gpt-4o-mini via {settings.get('OPENAI_BASE_URL') or 'OpenAI'}")
        return "openai:gpt-4o-mini"
    print(
        f"Model: {LOCAL_MODEL} — SmolLM2-135M-Instruct, embedded and offline (no OPENAI_API_KEY set). "
        "A 135M model keeps simple facts; set OPENAI_API_KEY for real conversations."
    )
    return LOCAL_MODEL


def main() -> None:
    model = _choose_model()
    settings = {k: v for k, v in {**dotenv_values(PROJECT_ROOT / ".env"), **os.environ}.items() if v is not None}
    settings[tokens.SECRET_ENV] = settings.get(tokens.SECRET_ENV) or secrets.token_urlsafe(32)  # auth on, as deployed
    secret = settings[tokens.SECRET_ENV]
    # A fresh server state per demo, so the conversation starts from no memory at all.
    with tempfile.TemporaryDirectory(prefix="memory-chatbot-demo-") as workdir:
        config = config_copy(Path(workdir), settings)
        with DevServer(config, workdir=Path(workdir), env=settings) as server:
            print(f"langgraph dev is serving on {server.url}; the demo signs in as 'lance' with a bearer token")
            sdk = connect(server.url, tokens.mint("lance", secret=secret))
            asyncio.run(demo(sdk, "lance", list(MEMORY_TYPES), model))
    print("\nServer stopped.")


if __name__ == "__main__":
    main()
