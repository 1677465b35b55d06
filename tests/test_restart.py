"""State survives a crash of `langgraph dev --no-reload` once its persistence flush (every 10 s) has run.

The dev server's runtime (langgraph-runtime-inmem 0.36.7) forgets any store that is still empty at
its first flush, and never saves checkpoint history: `agent.dev_runtime.persistence` works around both.
So this test writes only after that first flush, and checks the history and a "forget" too.
"""

from __future__ import annotations

import asyncio
import signal
import time

import httpx
import pytest

from agent.client.sdk import connect, ensure_assistant, memories, send, user_says, wait_for_memory
from agent.memory import admin
from agent.memory.kinds import STORED_KINDS
from agent.secret import SECRET_ENV
from agent.server.tokens import mint
from devtools.dev_server import DevServer, config_copy
from tests.refusals import refused
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
        assert await admin.list_memories(client, "rita") == {kind: [] for kind in STORED_KINDS}
        assert await client.threads.search(limit=10) == [], "forgotten threads stay forgotten"
    finally:
        third.stop()


async def test_writer_threads_stay_the_servers_after_the_secret_rotates(endpoint, tmp_path):
    """Made under a secret since dropped, a memory-writer thread's id carries no MAC the server checks: it is
    known by its metadata, and its owner may still read it but never copy, run on, change or re-create it."""
    env = {"OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": "scripted", SECRET_ENV: SECRET}
    config = config_copy(tmp_path, env)
    first = DevServer(config, workdir=tmp_path, env=env).start()
    try:
        await asyncio.sleep(FLUSH_SECONDS + 1)  # past the first flush, which sees an empty store
        client = connect(first.url, mint("rita", secret=SECRET))
        assistant = await ensure_assistant(client, "profile", memory_delay_seconds=0)
        chat = (await client.threads.create())["thread_id"]
        await send(client, assistant, chat, "rita", "I'm Rita.")
        await wait_for_memory(client, chat)
        writer = state_values(await client.threads.get_state(chat))["memory_write"]["thread_id"]
    finally:
        _crash(first, tmp_path, since=time.time())

    rotated = {**env, SECRET_ENV: "rotated-" + SECRET}  # the old secret dropped, no previous one kept
    second = DevServer(config_copy(tmp_path, rotated), workdir=tmp_path, env=rotated).start()
    try:
        token = mint("rita", secret=rotated[SECRET_ENV])
        client = connect(second.url, token)
        before = await client.threads.get_state(writer)  # its owner still reads it
        async with httpx.AsyncClient(base_url=second.url, headers={"Authorization": f"Bearer {token}"}) as http:
            assert (await http.post(f"/threads/{writer}/copy")).status_code == 403
        await refused(client.runs.create(writer, assistant, input=user_says("I'm Mallory.")))
        await refused(client.threads.update_state(writer, {"messages": [{"role": "user", "content": "I'm Mallory."}]}))
        await refused(client.threads.update(writer, metadata={"purpose": "chat"}))
        await refused(client.threads.create(thread_id=writer, if_exists="raise"))
        assert (await client.threads.get_state(writer))["values"] == before["values"]
        # New writes go to the writer thread of the new secret.
        await send(client, assistant, chat, "rita", "I live in Vienna.")
        await wait_for_memory(client, chat)
    finally:
        second.stop()
