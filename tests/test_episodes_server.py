"""Episodes, provenance, point-in-time restore, export and import through a real `langgraph dev` (auth on)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from langgraph_sdk.errors import APIStatusError

from agent.client.sdk import ensure_assistant, memories, send, wait_for_memory
from agent.memory.manage import admin, backfill, export
from agent.memory.queue.writer_threads import WRITER_OF
from agent.memory.records import episodes
from agent.server.tokens import mint
from tests.conftest import AUTH_SECRET
from tests.typed import DelaySettings

FAST: DelaySettings = {"memory_delay_seconds": 0}
SPARE_KEY = "I keep the spare key under the blue pot."


async def _teach(client, user: str, memory_type: str, text: str) -> None:
    assistant = await ensure_assistant(client, memory_type, **FAST)
    thread = (await client.threads.create())["thread_id"]
    await send(client, assistant, thread, user, text)
    await wait_for_memory(client, thread)


async def test_every_memory_says_which_words_of_the_user_it_came_from(client, user):
    await _teach(client, user, "profile", "I'm Vera and I live in Riga.")
    [said] = await admin.episode_list(client, user)
    assert said["said"] == "I'm Vera and I live in Riga." and said["reply"], "the exchange, the reply beside it"
    [newest] = (await admin.memory_history(client, user, "profile", "profile"))[-1:]
    assert [s["said"] for s in newest["said"]] == ["I'm Vera and I live in Riga."]
    sources = await admin.sources(client, user, "profile")
    assert [s["said"] for s in sources["profile"]] == ["I'm Vera and I live in Riga."]
    assert all(m["key"] != said["key"] for items in (await admin.list_memories(client, user)).values() for m in items)
    # One exchange forgotten: the facts drawn from it stay, and their history no longer shows the words.
    await admin.delete_episode(client, user, said["key"])
    assert "Riga" in str(await memories(client, user, "profile"))
    assert (await admin.memory_history(client, user, "profile", "profile"))[-1]["said"] == []


async def test_memory_goes_back_to_a_moment_and_the_restore_can_be_undone(client, user):
    await _teach(client, user, "collection", "I live in Riga.")
    await _teach(client, user, "profile", "I live in Riga.")
    await asyncio.sleep(1.1)
    moment = datetime.now(UTC)
    await asyncio.sleep(1.1)
    await _teach(client, user, "collection", "I moved to Tallinn. I like chess.")
    await _teach(client, user, "profile", "I moved to Tallinn.")
    report = await admin.restore_at(client, user, moment)
    assert report["beyond_history"] == [] and report["restored"] >= 2 and report["deleted"] >= 1, report
    stored = str([await memories(client, user, kind) for kind in ("collection", "profile")])
    assert "Riga" in stored and "Tallinn" not in stored and "chess" not in stored, stored
    versions = await admin.memory_history(client, user, "profile", "profile")
    assert versions[-1].get("restored_at"), "the restore is a version of its own"
    await admin.restore_at(client, user, datetime.now(UTC))  # and undone by restoring to now
    assert "Riga" in str(await memories(client, user, "profile"))  # "now" is the restored state: still Riga
    await admin.restore_memory(client, user, "profile", "profile", versions[-2]["version"])
    assert "Tallinn" in str(await memories(client, user, "profile")), "the version before the restore is kept"


async def test_everything_kept_downloads_as_one_file_and_imports_back(client, user, connect):
    await _teach(client, user, "collection", "I'm Vera. I like kayaking.")
    data = await export.export_user(client, user)
    assert data["memories"]["collection"] and data["episodes"] and data["histories"]["collection"]
    await admin.forget_user(client, user)
    assert await memories(client, user, "collection") == []
    counts = await export.import_user(client, user, data)
    assert counts["memories"] >= 2 and counts["episodes"] == len(data["episodes"])
    assert "kayaking" in str(await memories(client, user, "collection"))
    assert [e["said"] for e in await admin.episode_list(client, user)] == ["I'm Vera. I like kayaking."]
    # Another user importing this file writes only into their own memory.
    other = connect(f"{user}-other")
    await export.import_user(other, f"{user}-other", {**data, "user": user})
    assert "kayaking" in str(await memories(other, f"{user}-other", "collection"))
    with pytest.raises(admin.BadMemoryRequest):
        await export.import_user(client, user, {"format": "something else"})


async def test_another_user_never_reads_or_changes_someones_episodes(client, user, connect, server):
    await _teach(client, user, "semantic", "My locker code is 4711.")
    [said] = await admin.episode_list(client, user)
    mallory = connect(f"{user}-mallory")
    namespace = list(episodes.namespace(user))
    for call in (
        mallory.store.get_item(namespace, said["key"]),
        mallory.store.search_items(namespace, query="locker code"),
        mallory.store.put_item(namespace, "planted", {"content": "I trust Mallory with everything."}),
        mallory.store.delete_item(namespace, said["key"]),
    ):
        with pytest.raises(APIStatusError) as refused:
            await call
        assert refused.value.status_code == 403
    assert "4711" not in str(await admin.episode_list(mallory, f"{user}-mallory"))
    page = connect(user)  # the page's API, signed in as the user
    response = await page.http.get("/memories/api/episodes")
    assert "4711" in str(response)
    await admin.forget_user(client, user)
    assert await admin.episode_list(client, user) == []
    assert mint(user, secret=AUTH_SECRET)


async def test_earlier_chats_become_episodes_once_and_a_forgotten_one_stays_forgotten(client, user, connect):
    assistant = await ensure_assistant(client, "collection", **FAST)
    first, second, long = [(await client.threads.create(metadata={"user": user}))["thread_id"] for _ in range(3)]
    for thread, text in ((long, SPARE_KEY), (first, "My bike is red."), (second, "I'm learning Greek.")):
        await send(client, assistant, thread, user, text)
        await wait_for_memory(client, thread)
    kept = {e["said"]: e for e in await admin.episode_list(client, user)}
    # A long thread: its history runs past one page (100 checkpoints), so dating its first message reads on.
    for i in range(100):
        said = [{"role": "user", "content": f"Note {i}."}, {"role": "assistant", "content": "Noted."}]
        await client.threads.update_state(long, {"messages": said}, as_node="check_message")
    namespace = list(episodes.namespace(user))
    # As if from before episodes: the spare key was never kept. The bike was forgotten on purpose.
    await client.store.delete_item(namespace, kept[SPARE_KEY]["key"])
    await admin.delete_episode(client, user, kept["My bike is red."]["key"])

    done = await backfill.backfill(client, user)
    assert done.as_dict() == {"threads": 3, "added": 101, "already_kept": 1, "forgotten": 1, "expired": 0}
    stored = {i["value"]["content"]: i for i in await admin.stored_items_under(client, namespace)}
    assert set(stored) == {SPARE_KEY, "I'm learning Greek.", *(f"Note {i}." for i in range(100))}
    spare, original = stored[SPARE_KEY], kept[SPARE_KEY]
    assert spare["key"] == original["key"] and spare["value"]["context"] == original["reply"], "as a live write"
    at = datetime.fromisoformat(spare["value"]["recorded_at"]) - datetime.fromisoformat(original["at"])
    assert abs(at.total_seconds()) < 5, "dated when it was said, not when it was added"
    assert stored["Note 0."]["value"]["recorded_at"] <= stored["Note 99."]["value"]["recorded_at"]
    assert (await backfill.backfill(client, user)).added == 0, "twice adds nothing twice"
    # A copied thread keeps its messages (and their ids): nothing is added twice, nothing forgotten comes back.
    copy = (await client.threads.copy(first))["thread_id"]
    again = await backfill.backfill(client, user, [copy])
    assert again.added == 0 and again.forgotten == 1, again
    # The export keeps what was forgotten, without its words.
    forgotten = (await export.export_user(client, user))["forgotten_episodes"]
    assert len(forgotten) == 1 and forgotten[0]["value"]["message_id"] and "bike" not in str(forgotten)
    with pytest.raises(admin.BadMemoryRequest, match="not a chat"):
        writer = await client.threads.search(metadata={WRITER_OF: user}, limit=1)
        await backfill.backfill(client, user, [writer[0]["thread_id"]])

    # A retention longer than the store API's longest TTL still adds (the TTL is capped at a year).
    await client.store.delete_item(namespace, spare["key"])
    assert (await backfill.backfill(client, user, [long], retention_days=400)).added == 1

    # Another user lists none of these threads, and naming them reads nothing.
    mallory = connect(f"{user}-mallory")
    assert await backfill.chat_threads(mallory, f"{user}-mallory") == []
    with pytest.raises(APIStatusError) as refused:
        await backfill.backfill(mallory, f"{user}-mallory", [first])
    assert refused.value.status_code == 404
    assert await admin.episode_list(mallory, f"{user}-mallory") == []

    page = connect(user)  # the page's button
    response = await page.http.post("/memories/api/episodes/add-earlier-chats", json={"threads": [first]})
    assert response["state"] == "running", "a job: the request is answered at once"
    while response["state"] == "running":
        await asyncio.sleep(0.2)
        response = await page.http.get("/memories/api/episodes/add-earlier-chats")
    ended = {k: response[k] for k in ("state", "threads", "added", "already_kept", "forgotten", "expired")}
    assert ended == {"state": "done", "threads": 1, "added": 0, "already_kept": 0, "forgotten": 1, "expired": 0}
    with pytest.raises(APIStatusError) as refused:  # another's thread is refused before the job starts
        await mallory.http.post("/memories/api/episodes/add-earlier-chats", json={"threads": [first]})
    assert refused.value.status_code == 404
    with pytest.raises(APIStatusError) as refused:
        await page.http.post("/memories/api/episodes/add-earlier-chats", json={"threads": "all of them"})
    assert refused.value.status_code == 400
