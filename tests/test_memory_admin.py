"""Managing memories through the SDK and the command line: list, edit, delete, forget me."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from langgraph_sdk.errors import NotFoundError

from agent.client.sdk import ensure_assistant, memories, send, wait_for_memory
from agent.memory.kinds import STORED_KINDS
from agent.memory.manage import admin
from agent.server.tokens import mint
from devtools.dev_server import PROJECT_ROOT
from tests.conftest import AUTH_SECRET


async def _teach(client, user, memory_type, text, delay=0.0) -> str:
    assistant = await ensure_assistant(client, memory_type, memory_delay_seconds=delay)
    thread = (await client.threads.create())["thread_id"]
    await send(client, assistant, thread, user, text)
    return thread


async def test_edit_checks_the_schema_and_delete_removes_one(client, user):
    await wait_for_memory(client, await _teach(client, user, "profile", "I'm Zoe and I live in Kyoto."))
    await wait_for_memory(client, await _teach(client, user, "collection", "I'm Zoe and I like judo."))
    before = await admin.list_memories(client, user)

    for bad in [
        ("profile", "profile", {"interests": "not a list"}),
        ("profile", "other-key", {"name": "Z"}),
        ("episodic", "x", {}),
        ("collection", "no-such-key", {"content": "x"}),
        ("collection", "../x", {}),
    ]:
        with pytest.raises(admin.BadMemoryRequest):
            await admin.update_memory(client, user, *bad)
    assert await admin.list_memories(client, user) == before

    await admin.update_memory(
        client, user, "profile", "profile", {**before["profile"][0]["value"], "location": "Osaka"}
    )
    assert (await memories(client, user, "profile"))[0]["value"]["location"] == "Osaka"
    key = before["collection"][0]["key"]
    await admin.delete_memory(client, user, "collection", key)
    assert key not in [i["key"] for i in await memories(client, user, "collection")]


async def test_forget_me_deletes_everything_and_cancels_pending_writes(client, user):
    await wait_for_memory(client, await _teach(client, user, "profile", "I'm Zoe and I live in Kyoto."))
    pending_thread = await _teach(client, user, "collection", "I like origami.", delay=4)  # write still queued

    counts = await admin.forget_user(client, user)

    assert counts["memories"] >= 1 and counts["threads"] >= 3
    await asyncio.sleep(6)  # past the cancelled write's start time
    assert await admin.list_memories(client, user) == {kind: [] for kind in STORED_KINDS}
    with pytest.raises(NotFoundError):
        await client.threads.get(pending_thread)


async def test_command_line_lists_edits_and_deletes(client, user, server):
    await wait_for_memory(client, await _teach(client, user, "collection", "I'm Zoe and I like judo."))
    key = next(i["key"] for i in await memories(client, user, "collection") if "judo" in i["value"]["content"])
    base = [
        sys.executable,
        "-m",
        "agent.client",
        "--url",
        server.url,
        "--token",
        mint(user, secret=AUTH_SECRET),
        "--user",
        user,
    ]

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*base, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)

    listed = await asyncio.to_thread(cli, "memories")
    assert listed.returncode == 0 and "judo" in listed.stdout
    edited = await asyncio.to_thread(cli, "edit", "collection", key, json.dumps({"content": "The user likes karate."}))
    assert edited.returncode == 0, edited.stderr
    refused = await asyncio.to_thread(cli, "edit", "collection", key, json.dumps({"nope": 1}))
    assert refused.returncode != 0 and "a collection memory has no field 'nope'" in refused.stderr
    whole = await asyncio.to_thread(cli, "edit", "collection", key, json.dumps({"context": "x"}), "--replace")
    assert whole.returncode != 0 and "invalid collection memory" in whole.stderr, "a whole value needs its content"
    stored = {i["key"]: i["value"]["content"] for i in await memories(client, user, "collection")}
    assert stored[key] == "The user likes karate."
    deleted = await asyncio.to_thread(cli, "delete", "collection", key)
    assert deleted.returncode == 0
    assert key not in [i["key"] for i in await memories(client, user, "collection")]
