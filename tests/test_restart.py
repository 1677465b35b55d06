"""State survives a crash of `langgraph dev --no-reload` once its persistence flush (every 10 s) has run.

The dev server's runtime (langgraph-runtime-inmem 0.36.7) forgets any store that is still empty at
its first flush, and never saves checkpoint history: `agent.dev_runtime.persistence` works around both.
So this test writes only after that first flush, and checks the history and a "forget" too.
"""

from __future__ import annotations

import asyncio
import signal
import time

import pytest

from agent.client.sdk import connect, ensure_assistant, memories, send, wait_for_memory
from agent.memory import admin
from agent.secret import SECRET_ENV
from agent.server.tokens import mint
from devtools.dev_server import DevServer, config_copy
from tests.typed import state_values, thread_values

pytestmark = pytest.mark.server


FLUSH_SECONDS = 10  # the dev server writes its in-memory state to .langgraph_api/ this often
SECRET = "restart-test-secret"


def _wait_for_flush(workdir, since: float, timeout: float = 90) -> None:
    """Until the dev server has written its store, threads and checkpoints to disk after ``since``."""
    state = workdir / ".langgraph_api"
    files = [
        state / "store.pckl",
        state / "store.vectors.pckl",
        state / ".langgraph_ops.pckl",
        # the checkpoints and their blobs, which a thread's state and history are read from
        state / ".langgraph_checkpoint.1.pckl",
        state / ".langgraph_checkpoint.3.pckl",
    ]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(f.exists() and f.stat().st_mtime > since for f in files):
            time.sleep(1)  # let a write in progress finish
            return
        time.sleep(0.5)
    ages = {f.name: round(f.stat().st_mtime - since, 1) if f.exists() else None for f in files}
    raise AssertionError(f"no flush within {timeout} s (seconds after the crash was asked for): {ages}")


def _crash(server: DevServer, workdir, since: float) -> None:
    """SIGKILL the server once everything written before ``since`` is on disk."""
    try:
        _wait_for_flush(workdir, since)
    finally:
        server.stop(signal.SIGKILL)


async def test_memories_history_and_forgetting_survive_sigkill(endpoint, tmp_path):
    env = {"OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": "scripted", SECRET_ENV: SECRET}
    config = config_copy(tmp_path, env)
    token = mint("rita", secret=SECRET)

    first = DevServer(config, workdir=tmp_path, env=env).start()
    try:
        await asyncio.sleep(FLUSH_SECONDS + 1)  # past the first flush, which sees an empty store
        client = connect(first.url, token)
        assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
        thread = (await client.threads.create())["thread_id"]
        await send(client, assistant, thread, "rita", "I'm Rita and I live in Vienna.")
        await wait_for_memory(client, thread)
        before = await memories(client, "rita", "collection")
        assert "Vienna" in str(before)
    finally:
        _crash(first, tmp_path, since=time.time())

    second = DevServer(config, workdir=tmp_path, env=env).start()
    try:
        client = connect(second.url, token)
        assert await memories(client, "rita", "collection") == before
        kept = await client.threads.get(thread)
        assert [m["type"] for m in thread_values(kept)["messages"]] == ["human", "ai"]
        assert [m["type"] for m in state_values(await client.threads.get_state(thread))["messages"]] == ["human", "ai"]
        assert await client.threads.get_history(thread, limit=10), "the checkpoint history is kept"
        # The restarted server still finds the memory by meaning (its vectors were kept too).
        reply = await send(
            client, assistant, (await client.threads.create())["thread_id"], "rita", "Which city is home?"
        )
        assert "Vienna" in reply
        await admin.forget_user(client, "rita")
    finally:
        _crash(second, tmp_path, since=time.time())

    third = DevServer(config, workdir=tmp_path, env=env).start()
    try:
        client = connect(third.url, token)
        assert await admin.list_memories(client, "rita") == {"semantic": [], "profile": [], "collection": []}
        assert await client.threads.search(limit=10) == [], "forgotten threads stay forgotten"
    finally:
        third.stop()
