"""`make demo`: start `langgraph dev` on a free port with auth on, run the demo conversation, stop the server."""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
from pathlib import Path

from dotenv import dotenv_values

from agent.client.demo import demo
from agent.client.sdk import connect
from agent.context import LOCAL_MODEL, OPENAI_MODEL
from agent.memory.kinds import MEMORY_TYPES
from agent.secret import SECRET_ENV
from agent.server import tokens
from devtools.dev_server import PROJECT_ROOT, DevServer, config_copy


def _choose_model() -> str:
    """The model for the demo's assistants: OpenAI (or OPENAI_BASE_URL) with a key, else the embedded one."""
    settings = {**dotenv_values(PROJECT_ROOT / ".env"), **os.environ}
    if settings.get("OPENAI_API_KEY"):
        print(f"Model: {OPENAI_MODEL} via {settings.get('OPENAI_BASE_URL') or 'OpenAI'}")
        return OPENAI_MODEL
    print(
        f"Model: {LOCAL_MODEL} — SmolLM2-135M-Instruct, embedded and offline (no OPENAI_API_KEY set). "
        "A 135M model keeps simple facts; set OPENAI_API_KEY for real conversations."
    )
    return LOCAL_MODEL


def main() -> None:
    model = _choose_model()
    settings = {k: v for k, v in {**dotenv_values(PROJECT_ROOT / ".env"), **os.environ}.items() if v is not None}
    settings[SECRET_ENV] = settings.get(SECRET_ENV) or secrets.token_urlsafe(32)  # auth on, as deployed
    secret = settings[SECRET_ENV]
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
