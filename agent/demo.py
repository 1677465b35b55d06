"""`make demo`: start `langgraph dev` on a free port, run the client's scripted demo, stop the server."""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
from pathlib import Path

from dotenv import dotenv_values

from agent import auth, client
from agent.context import LOCAL_MODEL, MEMORY_TYPES
from agent.dev_server import PROJECT_ROOT, DevServer, config_copy


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
    settings[auth.SECRET_ENV] = settings.get(auth.SECRET_ENV) or secrets.token_urlsafe(32)  # auth on, as deployed
    secret = settings[auth.SECRET_ENV]
    # A fresh server state per demo, so the conversation starts from no memory at all.
    with tempfile.TemporaryDirectory(prefix="memory-chatbot-demo-") as workdir:
        config = config_copy(Path(workdir), settings)
        with DevServer(config, workdir=Path(workdir), env=settings) as server:
            print(f"langgraph dev is serving on {server.url}; the demo signs in as 'lance' with a bearer token")
            sdk = client.connect(server.url, auth.mint("lance", secret=secret))
            asyncio.run(client.demo(sdk, "lance", list(MEMORY_TYPES), model))
    print("\nServer stopped.")


if __name__ == "__main__":
    main()
