"""Memory survives a crash of `langgraph dev --no-reload` once its persistence flush (10 s) has run."""

from __future__ import annotations

import signal
import time

from agent.client.sdk import connect, ensure_assistant, memories, send, wait_for_memory
from agent.server.dev_server import DevServer, config_copy
from agent.server.tokens import SECRET_ENV, mint

FLUSH_SECONDS = 10  # the dev server writes its in-memory state to .langgraph_api/ this often
SECRET = "restart-test-secret"


async def test_memories_and_threads_survive_sigkill(endpoint, tmp_path):
    env = {"OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": "scripted", SECRET_ENV: SECRET}
    config = config_copy(tmp_path, env)
    token = mint("rita", secret=SECRET)

    first = DevServer(config, workdir=tmp_path, env=env).start()
    try:
        client = connect(first.url, token)
        assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
        thread = (await client.threads.create())["thread_id"]
        await send(client, assistant, thread, "rita", "I'm Rita and I live in Vienna.")
        await wait_for_memory(client, thread)
        before = await memories(client, "rita", "collection")
        assert "Vienna" in str(before)
        time.sleep(FLUSH_SECONDS + 3)
    finally:
        first.stop(signal.SIGKILL)

    second = DevServer(config, workdir=tmp_path, env=env).start()
    try:
        client = connect(second.url, token)
        assert await memories(client, "rita", "collection") == before
        # The thread and its last values are kept. (Its checkpoint history is not, in
        # langgraph-runtime-inmem 0.36.7: see the README; the platform's Postgres keeps it.)
        kept = await client.threads.get(thread)
        assert [m["type"] for m in kept["values"]["messages"]] == ["human", "ai"]
        # And the restarted server still finds the memory by meaning (its vectors were kept too).
        reply = await send(client, assistant, (await client.threads.create())["thread_id"], "rita", "Which city is home?")
        assert "Vienna" in reply
    finally:
        second.stop()
