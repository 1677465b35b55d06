"""Models that misbehave the way real ones do, through a real `langgraph dev`: nothing stored is lost or
corrupted, every refusal is reported (the memory-writer run fails and `wait_for_memory` raises), and beside
each guard a positive control shows that honest updates still go through.

The scripted endpoint's ``mode`` (devtools/scripted_brain.py ``MODES``) picks the misbehaviour.
"""

from __future__ import annotations

import io

import pytest

from agent.client.sdk import (
    RunFailed,
    ensure_assistant,
    memories,
    send,
    wait_for_memory,
)
from agent.memory.kinds import MEMORY_TYPES
from devtools.scripted_brain import normalize_tool_choice
from tests.typed import DelaySettings

FAST: DelaySettings = {"memory_delay_seconds": 0}


async def _teach(client, user, memory_type, text) -> str:
    """Send ``text`` on a new thread; returns the thread (its memory write may still be queued)."""
    assistant = await ensure_assistant(client, memory_type, **FAST)
    thread = (await client.threads.create())["thread_id"]
    await send(client, assistant, thread, user, text, out=io.StringIO())
    return thread


async def _written(client, user, memory_type, text) -> None:
    await wait_for_memory(client, await _teach(client, user, memory_type, text))


async def _refused(client, user, memory_type, text, reported: str) -> str:
    """The write of ``text`` fails, and says ``reported``; returns the error."""
    thread = await _teach(client, user, memory_type, text)
    with pytest.raises(RunFailed, match=reported) as failure:
        await wait_for_memory(client, thread)
    return str(failure.value)


async def _values(client, user, memory_type) -> list[dict]:
    return [item["value"] for item in await memories(client, user, memory_type)]


# -- 1. a forgetful rewrite of the semantic document ------------------------------------------------


async def test_forgetful_rewrite_is_refused_and_the_name_kept(client, user, endpoint):
    await _written(client, user, "semantic", "Hi, I'm Lance.")
    endpoint.mode = "forgetful"  # returns only the newest conversation's facts
    await _refused(client, user, "semantic", "I live in Boston.", reported="Name: Lance")
    assert await _values(client, user, "semantic") == [{"content": "Name: Lance"}]


async def test_honest_rewrites_keep_the_name_add_the_city_and_replace_it_after_a_move(client, user):
    await _written(client, user, "semantic", "Hi, I'm Lance.")
    await _written(client, user, "semantic", "I live in Boston.")
    assert await _values(client, user, "semantic") == [{"content": "Name: Lance\nLocation: Boston"}]
    await _written(client, user, "semantic", "I moved from Boston to Paris.")
    assert await _values(client, user, "semantic") == [{"content": "Name: Lance\nLocation: Paris"}]


async def test_forgetful_profile_patch_is_refused(client, user, endpoint):
    await _written(client, user, "profile", "Hi, I'm Lance and I like chess.")
    endpoint.mode = "forgetful"  # one patch replacing the whole profile with the newest facts
    await _refused(client, user, "profile", "I live in Boston.", reported="name: Lance")
    [profile] = await _values(client, user, "profile")
    assert profile["name"] == "Lance" and profile["interests"] == ["chess"] and profile["location"] is None


# -- 2. "nothing new" must be a choice, and a reply must make one -----------------------------------


async def test_a_reply_that_calls_no_tool_is_reported_on_both_collection_paths(client, user, endpoint):
    endpoint.mode = "text_only"
    await _refused(client, user, "collection", "I like chess.", reported="no tool")  # no items yet
    endpoint.mode = "honest"
    await _written(client, user, "collection", "I live in Oslo.")  # the refused message is retried with it
    before = await _values(client, user, "collection")
    assert sorted(v["content"] for v in before) == ["The user likes chess.", "The user lives in Oslo."]
    endpoint.mode = "text_only"
    await _refused(client, user, "collection", "I work as a nurse.", reported="no tool")  # items exist
    assert await _values(client, user, "collection") == before


async def test_nothing_new_is_offered_and_a_choice_is_forced_on_both_collection_paths(client, user, endpoint):
    nothing = f"Nothing about me today, {user}."
    await _written(client, user, "collection", nothing)  # first extraction: no items yet
    assert await _values(client, user, "collection") == []
    await _written(client, user, "collection", "I like chess.")
    await _written(client, user, "collection", nothing)  # items exist
    assert [v["content"] for v in await _values(client, user, "collection")] == ["The user likes chess."]

    asked = [r for r in endpoint.extraction_requests() if nothing in str(r["messages"])]
    assert len(asked) == 2
    for request in asked:
        assert "NothingNew" in [tool["function"]["name"] for tool in request["tools"]]
        assert normalize_tool_choice(request.get("tool_choice")) == "required"


# -- 3. duplicates ----------------------------------------------------------------------------------


async def test_a_model_that_reinserts_stored_facts_leaves_one_item_per_fact(client, user, endpoint):
    endpoint.mode = "duplicating"  # inserts every fact it reads, stored or not; never says "nothing new"
    for _ in range(3):
        await _written(client, user, "collection", "I like chess.")
    await _written(client, user, "collection", "Nothing about me today.")  # made to choose: restates chess
    assert [v["content"] for v in await _values(client, user, "collection")] == ["The user likes chess."]

    await _written(client, user, "collection", "I like go.")  # a new fact is still inserted
    contents = sorted(v["content"] for v in await _values(client, user, "collection"))
    assert contents == ["The user likes chess.", "The user likes go."]


# -- 4. bad and destructive patches -----------------------------------------------------------------


@pytest.mark.parametrize("memory_type", ["profile", "collection"])
@pytest.mark.parametrize(
    "mode, reported", [("bad_doc_id", "no-such-memory.*does not exist"), ("bad_path", "could not be applied")]
)
async def test_a_patch_that_cannot_apply_is_reported_and_changes_nothing(
    client, user, endpoint, memory_type, mode, reported
):
    await _written(client, user, memory_type, "I'm Dana and I live in Boston.")
    before = await _values(client, user, memory_type)
    endpoint.mode = mode
    await _refused(client, user, memory_type, "I moved to Paris.", reported=reported)
    assert await _values(client, user, memory_type) == before


async def test_removing_a_name_the_user_did_not_retract_is_refused(client, user, endpoint):
    await _written(client, user, "profile", "I'm Dana and I live in Boston.")
    endpoint.mode = "destructive"  # adds `remove /name` to its patch
    await _refused(client, user, "profile", "I like chess.", reported="name: Dana")
    [profile] = await _values(client, user, "profile")
    assert profile["name"] == "Dana" and profile["interests"] == [], "nothing of the refused patch is written"


async def test_overwriting_an_unrelated_collection_item_is_refused(client, user, endpoint):
    await _written(client, user, "collection", "I live in Boston.")
    endpoint.mode = "destructive"  # patches the new fact over the Boston item instead of inserting it
    await _refused(client, user, "collection", "I like chess.", reported="lives in Boston")
    assert [v["content"] for v in await _values(client, user, "collection")] == ["The user lives in Boston."]


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_a_move_still_replaces_and_a_retraction_still_removes(client, user, memory_type):
    await _written(client, user, memory_type, "I'm Dana. I live in Boston. I like chess and I like tennis.")
    await _written(client, user, memory_type, "I moved from Boston to Paris.")
    await _written(client, user, memory_type, "Forget that I like chess.")
    stored = str(await _values(client, user, memory_type))
    assert "Paris" in stored and "Boston" not in stored, stored
    assert "chess" not in stored and "tennis" in stored and "Dana" in stored, stored


async def test_in_hot_path_a_refused_write_fails_the_chat_run_and_says_why(client, user, endpoint):
    assistant = await ensure_assistant(client, "profile", write_mode="hot_path")
    await send(client, assistant, (await client.threads.create())["thread_id"], user, "I'm Dana.", out=io.StringIO())
    endpoint.mode = "destructive"
    reply = io.StringIO()
    with pytest.raises(RunFailed, match="name: Dana"):
        await send(client, assistant, (await client.threads.create())["thread_id"], user, "I like chess.", out=reply)
    assert reply.getvalue().strip(), "the reply came before the write was refused"
    [profile] = await _values(client, user, "profile")
    assert profile["name"] == "Dana" and profile["interests"] == []
