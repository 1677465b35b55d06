"""Every memory keeps its past versions, out of the answering path: who wrote each and when, restore, forget."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys

import httpx
import pytest

from agent.client.sdk import ensure_assistant, memories, send, wait_for_memory
from agent.memory.api import EXCERPTS_HEADING
from agent.memory.kinds import STORED_KINDS
from agent.memory.manage import admin
from agent.memory.records.history import MAX_VERSIONS, with_version
from agent.server.tokens import mint
from devtools.dev_server import PROJECT_ROOT
from tests.conftest import AUTH_SECRET
from tests.typed import DelaySettings

FAST: DelaySettings = {"memory_delay_seconds": 0}


async def _say(client, user, memory_type, text, **settings) -> tuple[str, dict]:
    """Send ``text`` on a new thread and wait for its memory write; returns (thread, the run's result)."""
    assistant = await ensure_assistant(client, memory_type, **FAST, **settings)
    thread = (await client.threads.create())["thread_id"]
    result = await client.runs.wait(thread, assistant, input={"messages": [{"role": "user", "content": text}]})
    await wait_for_memory(client, thread)
    return thread, result


def _facts_part(prompt: str) -> str:
    """A prompt without its excerpts of past conversations (episodes, dated, in the user's own words)."""
    before, _, _ = prompt.partition(EXCERPTS_HEADING)
    return before


async def test_background_writes_record_each_version_with_its_chat_thread_and_run(client, user, endpoint):
    first, first_run = await _say(client, user, "profile", "I'm Dana and I live in Boston.")
    second, second_run = await _say(client, user, "profile", "I moved to Paris.")

    versions = await admin.memory_history(client, user, "profile", "profile")
    assert [v["value"]["location"] for v in versions] == ["Boston", "Paris"]
    for version, thread, run in ((versions[0], first, first_run), (versions[1], second, second_run)):
        assert version["source"] == "memory_writer"
        assert version["chat_thread_id"] == thread
        assert version["run_id"] == run["memory_write"]["run_id"], "the memory-writer run that wrote it"
    assert versions[0]["valid_until"] == versions[1]["valid_from"] and versions[1]["valid_until"] is None

    # Out of the answering path: not a memory type anywhere, and the old value is never offered as a fact.
    # (The conversation that said it may be recalled as a dated excerpt: that is what episodes are.)
    assert set(await admin.list_memories(client, user)) == set(STORED_KINDS)
    sent = len(endpoint.requests)
    assistant = await ensure_assistant(client, "profile", **FAST)
    reply = await send(
        client, assistant, (await client.threads.create())["thread_id"], user, "Where do I live?", out=io.StringIO()
    )
    assert "Paris" in reply and "Boston" not in "\n".join(_facts_part(p) for p in endpoint.prompts()[sent:])


async def test_collection_history_stays_out_of_search_and_hot_path_writes_name_the_chat_run(client, user, endpoint):
    thread, result = await _say(client, user, "collection", "I live in Boston.", write_mode="hot_path")
    await _say(client, user, "collection", "I moved to Paris.", write_mode="hot_path")
    [item] = await memories(client, user, "collection")
    versions = await admin.memory_history(client, user, "collection", item["key"])
    assert [v["value"]["content"] for v in versions] == ["The user lives in Boston.", "The user lives in Paris."]
    assert versions[0]["source"] == "hot_path" and versions[0]["chat_thread_id"] == thread
    runs = await client.runs.list(thread)
    assert versions[0]["run_id"] == runs[0]["run_id"], "the chat run that wrote it"

    sent = len(endpoint.requests)
    assistant = await ensure_assistant(client, "collection", **FAST)
    await send(client, assistant, (await client.threads.create())["thread_id"], user, "Boston?", out=io.StringIO())
    prompt = next(p for p in endpoint.prompts()[sent:] if "Boston?" in p and "What you remember" in p)
    facts = _facts_part(prompt)
    assert "Paris" in facts and "lives in Boston" not in facts, "a past version reached the prompt"


async def test_history_is_bounded_and_a_deleted_memory_can_be_restored_from_the_command_line(client, user, server):
    await _say(client, user, "collection", "I like judo.")
    [item] = await memories(client, user, "collection")
    key = item["key"]
    for i in range(MAX_VERSIONS + 3):
        await admin.update_memory(client, user, "collection", key, {"content": f"The user likes judo, level {i}."})
    await admin.delete_memory(client, user, "collection", key)

    versions = await admin.memory_history(client, user, "collection", key)
    assert len(versions) == MAX_VERSIONS
    assert [v["version"] for v in versions] == list(range(6, 26)), "v1 (the chat) to v25 (the deletion), the last 20"
    assert versions[-1]["value"] is None and versions[-1]["source"] == "cli"

    base = [sys.executable, "-m", "agent.client", "--url", server.url, "--token", mint(user, secret=AUTH_SECRET)]

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*base, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)

    listed = await asyncio.to_thread(cli, "memories", "history", "collection")
    assert listed.returncode == 0 and key in listed.stdout and "deleted" in listed.stdout, listed.stderr
    shown = await asyncio.to_thread(cli, "memories", "history", "collection", key)
    assert shown.returncode == 0 and "level 20" in shown.stdout and "(deleted)" in shown.stdout, shown.stderr
    version = versions[-2]["version"]
    restored = await asyncio.to_thread(cli, "restore", "collection", key, str(version))
    assert restored.returncode == 0, restored.stderr
    assert [i["value"]["content"] for i in await memories(client, user, "collection")] == [
        f"The user likes judo, level {MAX_VERSIONS + 2}."
    ]
    newest = (await admin.memory_history(client, user, "collection", key))[-1]
    assert newest["restored_from"] == version and newest["source"] == "cli"

    refused = await asyncio.to_thread(cli, "restore", "collection", key, "1")  # trimmed away
    assert refused.returncode != 0 and "no version 1" in refused.stderr


async def test_forget_everything_deletes_the_history_too(client, user):
    await _say(client, user, "profile", "I'm Dana and I live in Boston.")
    await _say(client, user, "profile", "I moved to Paris.")
    assert await admin.remembered_keys(client, user, "profile")

    counts = await admin.forget_user(client, user)

    assert counts["histories"] == 1
    assert (await client.store.search_items(["memory", user], limit=100))["items"] == []
    with pytest.raises(admin.BadMemoryRequest):
        await admin.memory_history(client, user, "profile", "profile")


def test_versions_close_the_previous_one_record_unrecorded_values_and_stay_bounded():
    history = with_version(None, "k", {"content": "a"}, current=None, at="t1", source="page")
    assert history["versions"] == [
        {"version": 1, "value": {"content": "a"}, "valid_from": "t1", "valid_until": None, "source": "page"}
    ]
    # Changed around the history (straight through the store API): that value becomes a version of its own.
    history = with_version(history, "k", {"content": "c"}, current={"content": "b"}, at="t2", source="cli")
    assert [(v["version"], v["value"]["content"], v["source"]) for v in history["versions"]] == [
        (1, "a", "page"),
        (2, "b", "unknown"),
        (3, "c", "cli"),
    ]
    assert history["versions"][1]["valid_until"] == "t2"
    for i in range(30):
        history = with_version(history, "k", {"content": str(i)}, current=history["versions"][-1]["value"], at=f"u{i}")
    assert len(history["versions"]) == MAX_VERSIONS and history["versions"][-1]["version"] == 33


async def test_large_memories_keep_fewer_versions_and_every_page_edit_and_restore_is_recorded(client, user, server):
    """A history is one stored value, within the store API's cap: edits of a large memory through the page
    used to be applied and then answer 500, their version missing (the capped history put came second)."""
    namespace = ["memory", user, "collection"]
    await client.store.put_item(namespace, "big", {"content": "A" * 30_000})
    headers = {"Authorization": f"Bearer {mint(user, secret=AUTH_SECRET)}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as page:
        for letter in "BCD":
            edited = await page.put("/memories/api/items/collection/big", json={"value": {"content": letter * 30_000}})
            assert edited.status_code == 200, edited.text
        versions = await admin.memory_history(client, user, "collection", "big")
        assert versions[-1]["value"]["content"][0] == "D" and len(versions) >= 1
        restored = await page.post("/memories/api/restore/collection/big", json={"version": versions[0]["version"]})
        assert restored.status_code == 200, restored.text
        too_big = await page.put("/memories/api/items/collection/big", json={"value": {"content": "E" * 70_000}})
        assert too_big.status_code in (400, 413), too_big.text
    stored = (await client.store.get_item(namespace, "big"))["value"]["content"]
    assert stored == versions[0]["value"]["content"], "restored, and the refused edit changed nothing"
    versions = await admin.memory_history(client, user, "collection", "big")
    assert versions[-1]["value"]["content"] == stored and versions[-1]["source"] == "page"


async def test_a_history_item_a_client_wrote_in_any_shape_breaks_neither_the_page_nor_forget(client, user, server):
    """A user may write their own history items through the store API; malformed ones used to make the page's
    edit, delete, restore and "forget everything" answer 500, and forget left them behind."""
    memories_ns, past = ["memory", user, "collection"], ["memory", user, "history", "collection"]
    shapes = {"k1": {"versions": 5}, "k2": {"versions": ["x"]}, "k3": {"versions": [{}]}, "k4": {"next": "a"}}
    for key, shape in shapes.items():
        await client.store.put_item(memories_ns, key, {"content": f"The user owns a kite named {key}."})
        await client.store.put_item(past, key, shape, index=False)
    await client.store.put_item(["memory", user, "elsewhere"], "odd", {"content": "stored around the page"})
    headers = {"Authorization": f"Bearer {mint(user, secret=AUTH_SECRET)}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as page:
        for key in shapes:
            edited = await page.put(
                f"/memories/api/items/collection/{key}", json={"value": {"content": f"Kite {key}."}}
            )
            assert edited.status_code == 200, edited.text
            assert (await page.get(f"/memories/api/history/collection/{key}")).status_code == 200
            restored = await page.post(f"/memories/api/restore/collection/{key}", json={"version": 1})
            assert restored.status_code in (200, 400), restored.text
        assert (await page.delete("/memories/api/items/collection/k1")).status_code == 200
        forgot = await page.post("/memories/api/forget")
        assert forgot.status_code == 200, forgot.text
    assert (await client.store.search_items(["memory", user], limit=100))["items"] == [], "forget leaves nothing"
