"""`make demo`: start `langgraph dev` on a free port, run the client's scripted demo, stop the server."""

from __future__ import annotations

import asyncio
import os
import sys

from dotenv import dotenv_values
from langgraph_sdk import get_client

from agent import client
from agent.context import MEMORY_TYPES
from agent.dev_server import PROJECT_ROOT, DevServer


def _choose_model() -> str | None:
    """The model for the demo's assistants: OpenAI (or OPENAI_BASE_URL) when a key is set."""
    settings = {**dotenv_values(PROJECT_ROOT / ".env"), **os.environ}
    if settings.get("OPENAI_API_KEY"):
        where = settings.get("OPENAI_BASE_URL") or "OpenAI"
        print(f"Model: openai:gpt-4o-mini via {where}")
        return None
    sys.exit(
        "make demo: OPENAI_API_KEY is not set. Set it (in the environment or .env), or point "
        "OPENAI_BASE_URL at any OpenAI-compatible server with a non-empty OPENAI_API_KEY. "
        "An embedded offline model is not available yet."
    )


def main() -> None:
    model = _choose_model()
    with DevServer() as server:
        print(f"langgraph dev is serving on {server.url} (log: {server.log_path})")
        asyncio.run(client.demo(get_client(url=server.url), "lance", list(MEMORY_TYPES), model))
    print("\nServer stopped.")


if __name__ == "__main__":
    main()
