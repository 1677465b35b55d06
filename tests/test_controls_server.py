"""The controls end to end on `langgraph dev` (langgraph.json, auth on, background writes) through the Python SDK,
and by attack: a temporary chat or a paused user leaves no trace in the store; another user reads no receipt and
no notice, and changes no setting."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk.errors import NotFoundError, PermissionDeniedError

from agent.client.chat import summary
from agent.client.sdk import ensure_assistant, user_says, wait_for_memory
from agent.memory.manage import admin, backfill, controls, export
from agent.memory.records import changes
from agent.turn_memory import RECEIPT

pytestmark = pytest.mark.server


async def _everything(client, user: str) -> list[tuple]:
    items: list[dict] = []
    while page := (await client.store.search_items(["memory", user], limit=100, offset=len(items)))["items"]:
        items += page
    return sorted((tuple(i["namespace"]), i["key"], str(i["value"])) for i in items)


async def _say(client, assistant: str, thread: str, text: str, **extra) -> dict:
    context = extra.pop("context", None)
    result = await client.runs.wait(thread, assistant, input={**user_says(text), **extra}, context=context)
    assert "__error__" not in result, result
    await wait_for_memory(client, thread)
    return result


async def test_a_temporary_chat_leaves_no_trace_in_the_store_now_or_later(client, user):
    assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
    thread = (await client.threads.create())["thread_id"]
    await _say(client, assistant, (await client.threads.create())["thread_id"], "I live in Lisbon.")
    before = await _everything(client, user)

    result = await _say(client, assistant, thread, "I like chess. Where do I live?", memory_use="off")
    assert "Lisbon" not in result["recalled_memory"]
    assert await _everything(client, user) == before, "no fact, episode, history, notice or health count"

    await _say(client, assistant, thread, "I like tennis.", context={"memory_use": "read_write"})
    assert await _everything(client, user) == before, "the thread stays temporary"

    added = await backfill.backfill(client, user)
    assert added.added == 0 and await _everything(client, user) == before, "'Add my earlier chats' skips it too"
    exported = await export.export_user(client, user)
    assert "chess" not in str(exported) and "tennis" not in str(exported)


async def test_while_paused_nothing_is_written_and_what_was_said_then_never_is(client, user):
    assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
    thread = (await client.threads.create())["thread_id"]
    await _say(client, assistant, thread, "I live in Lisbon.")
    await controls.set_switch(client, user, paused=True, use_while_paused=True)
    before = await _everything(client, user)
    used = await _say(client, assistant, thread, "I like chess. Where do I live?")
    assert "Lisbon" in used["recalled_memory"]
    assert await _everything(client, user) == before

    await controls.set_switch(client, user, paused=False)
    await _say(client, assistant, thread, "I like tennis.")
    facts = str(await admin.stored_items(client, user, "collection"))
    assert "tennis" in facts and "chess" not in facts
    assert "chess" not in str(await admin.stored_items_under(client, ["memory", user, "episodes"]))


async def test_notices_say_what_changed_and_receipts_name_what_an_answer_used(client, user):
    assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
    thread = (await client.threads.create())["thread_id"]
    await _say(client, assistant, thread, "I live in Lisbon.")
    notices = await client.store.get_item(list(changes.namespace(user)), thread)
    assert summary(changes.since(notices["value"], None)) == "Remembered: The user lives in Lisbon."

    other = (await client.threads.create())["thread_id"]
    result = await _say(client, assistant, other, "Where do I live?")
    used = result["messages"][-1]["additional_kwargs"][RECEIPT]
    [fact] = await admin.stored_items(client, user, "collection")
    assert [m["key"] for m in used["memories"]] == [fact["key"]] and len(used["episodes"]) == 1

    # A memory the bot wrote is edited as it is shown (its stamp of when it was said included): the stamp stays.
    edited = await admin.update_memory(
        client, user, "collection", fact["key"], {**fact["value"], "content": "The user lives in Porto."}, source="page"
    )
    assert edited["recorded_at"] == fact["value"]["recorded_at"] and edited["content"] == "The user lives in Porto."


async def test_a_never_keep_rule_is_offered_what_it_covers_and_forgets_it(client, user):
    assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
    thread = (await client.threads.create())["thread_id"]
    await _say(client, assistant, thread, "I enjoy physiotherapy for my back pain.")
    await _say(client, assistant, thread, "I live in Lisbon.")

    _, covered = await controls.add_rule(client, user, "anything about my health")
    assert {c.kind or "episode" for c in covered} == {"collection", "episode"}
    assert sorted(c.what for c in covered) == [
        "I enjoy physiotherapy for my back pain.",
        "I live in Lisbon.",  # the bot's reply to it repeated the back pain from memory
        "The user enjoys physiotherapy for my back pain.",
    ]
    assert await controls.forget_matching(client, user, covered) == len(covered)
    left = str(await admin.stored_items(client, user, "collection")) + str(
        await admin.stored_items_under(client, ["memory", user, "episodes"])
    )
    assert "back pain" not in left and "Lisbon" in left, left

    await _say(client, assistant, thread, "My physiotherapist treats my knee.")
    assert "knee" not in str(await _everything(client, user)).replace("never_keep", "")


async def test_another_user_reads_no_receipt_or_notice_and_changes_no_setting(connect, client, user):
    assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
    thread = (await client.threads.create())["thread_id"]
    await _say(client, assistant, thread, "I live in Lisbon.")
    mallory = connect(f"mallory-{uuid.uuid4().hex[:6]}")

    with pytest.raises(NotFoundError):
        await mallory.threads.get_state(thread)
    with pytest.raises((PermissionDeniedError, NotFoundError)):
        await mallory.store.get_item(list(changes.namespace(user)), thread)
    with pytest.raises(PermissionDeniedError):
        await mallory.store.put_item(["memory", user, "controls"], "switch", {"paused": True})
    with pytest.raises(PermissionDeniedError):
        await mallory.store.put_item(["memory", user, "never_keep"], "x", {"content": "my home"})
    assert not (await controls.read_switch(client, user)).paused
