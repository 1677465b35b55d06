"""Models that misbehave the way real ones do, through a real `langgraph dev`: nothing stored is lost or
corrupted, and nothing the user never said is stored. A write that would drop stored facts is repaired (they
are kept, the new facts saved, the repair reported); a fact the user never said is left out while the true
facts of the same write are saved; what cannot be repaired is refused and reported (the memory-writer run
fails and `wait_for_memory` raises). Beside each guard a positive control shows honest updates still go
through.

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
from agent.memory.kinds import MEMORY_TYPES, memory_kind
from agent.memory.manage import admin
from devtools.scripted_brain import normalize_tool_choice
from tests.typed import DelaySettings

FAST: DelaySettings = {"memory_delay_seconds": 0}


async def _teach(client, user, memory_type, text) -> str:
    """Send ``text`` on a new thread; returns the thread (its memory write may still be queued)."""
    assistant = await ensure_assistant(client, memory_type, **FAST)
    thread = (await client.threads.create())["thread_id"]
    await send(client, assistant, thread, user, text, out=io.StringIO())
    return thread


async def _written(client, user, memory_type, text) -> str | None:
    """Teach ``text``; returns what the write reported."""
    return await wait_for_memory(client, await _teach(client, user, memory_type, text))


async def _refused(client, user, memory_type, text, reported: str) -> str:
    """The write of ``text`` fails, and says ``reported``; returns the error."""
    thread = await _teach(client, user, memory_type, text)
    with pytest.raises(RunFailed, match=reported) as failure:
        await wait_for_memory(client, thread)
    return str(failure.value)


async def _values(client, user, memory_type) -> list[dict]:
    return [item["value"] for item in await memories(client, user, memory_type)]


# -- 1. a forgetful rewrite of the semantic document ------------------------------------------------


async def test_a_forgetful_rewrite_is_repaired_both_facts_kept(client, user, endpoint):
    await _written(client, user, "semantic", "Hi, I'm Lance.")
    endpoint.mode = "forgetful"  # returns only the newest conversation's facts
    note = await _written(client, user, "semantic", "I live in Boston.")
    assert note and "kept 1 fact the model dropped (The user's name is Lance.)" in note
    [document] = await _values(client, user, "semantic")
    assert set(document["content"].splitlines()) == {"The user lives in Boston.", "The user's name is Lance."}
    [newest] = (await admin.memory_history(client, user, "semantic", "semantic"))[-1:]
    assert newest["repaired"] == ["The user's name is Lance."], "the repair is in the memory's history"
    report = await admin.health_report(client, user)
    assert (report["writes"], report["repairs"], report["held"]) == (2, 1, 0)


async def test_honest_rewrites_keep_the_name_add_the_city_and_replace_it_after_a_move(client, user):
    await _written(client, user, "semantic", "Hi, I'm Lance.")
    await _written(client, user, "semantic", "I live in Boston.")
    assert await _values(client, user, "semantic") == [
        {"content": "The user's name is Lance.\nThe user lives in Boston."}
    ]
    await _written(client, user, "semantic", "I moved from Boston to Paris.")
    assert await _values(client, user, "semantic") == [
        {"content": "The user's name is Lance.\nThe user lives in Paris."}
    ]


async def test_a_forgetful_profile_patch_is_repaired(client, user, endpoint):
    await _written(client, user, "profile", "Hi, I'm Lance and I like chess.")
    endpoint.mode = "forgetful"  # one patch replacing the whole profile with the newest facts
    note = await _written(client, user, "profile", "I live in Boston.")
    assert note and "name: Lance" in note and "interests: chess" in note
    [profile] = await _values(client, user, "profile")
    assert profile["name"] == "Lance" and profile["interests"] == ["chess"] and profile["location"] == "Boston"


# -- 2. "nothing new" must be a choice, and a reply must make one -----------------------------------


async def test_a_reply_that_calls_no_tool_is_reported_on_both_collection_paths(client, user, endpoint):
    endpoint.mode = "text_only"
    await _refused(client, user, "collection", "I like chess.", reported="no tool")  # no items yet
    endpoint.mode = "honest"
    await _written(client, user, "collection", "I live in Oslo.")  # the refused message is retried with it
    before = await _values(client, user, "collection")
    assert sorted(v["content"] for v in before) == ["The user enjoys chess.", "The user lives in Oslo."]
    endpoint.mode = "text_only"
    await _refused(client, user, "collection", "I work as a nurse.", reported="no tool")  # items exist
    assert await _values(client, user, "collection") == before


async def test_nothing_new_is_offered_and_a_choice_is_forced_on_both_collection_paths(client, user, endpoint):
    nothing = f"Nothing about me today, {user}."
    await _written(client, user, "collection", nothing)  # first extraction: no items yet
    assert await _values(client, user, "collection") == []
    await _written(client, user, "collection", "I like chess.")
    await _written(client, user, "collection", nothing)  # items exist
    assert [v["content"] for v in await _values(client, user, "collection")] == ["The user enjoys chess."]

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
    assert [v["content"] for v in await _values(client, user, "collection")] == ["The user enjoys chess."]

    await _written(client, user, "collection", "I like go.")  # a new fact is still inserted
    contents = sorted(v["content"] for v in await _values(client, user, "collection"))
    assert contents == ["The user enjoys chess.", "The user enjoys go."]


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


async def test_a_name_the_user_did_not_retract_is_kept_and_the_new_fact_saved(client, user, endpoint):
    await _written(client, user, "profile", "I'm Dana and I live in Boston.")
    endpoint.mode = "destructive"  # adds `remove /name` to its patch
    note = await _written(client, user, "profile", "I like chess.")
    assert note and "name: Dana" in note
    [profile] = await _values(client, user, "profile")
    assert profile["name"] == "Dana" and profile["interests"] == ["chess"]


async def test_an_overwritten_collection_item_stays_beside_the_new_one(client, user, endpoint):
    await _written(client, user, "collection", "I live in Boston.")
    endpoint.mode = "destructive"  # patches the new fact over the Boston item instead of inserting it
    note = await _written(client, user, "collection", "I like chess.")
    assert note and "lives in Boston" in note
    contents = sorted(v["content"] for v in await _values(client, user, "collection"))
    assert contents == ["The user enjoys chess.", "The user lives in Boston."]


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_a_fact_the_user_never_said_is_left_out_and_the_true_ones_saved(client, user, endpoint, memory_type):
    endpoint.mode = "inventive"  # adds "loves skydiving" to every write, quoting words the user never said
    note = await _written(client, user, memory_type, "I'm Lena and I live in Oslo.")
    assert note and "held 1 for your review" in note and "skydiving" in note
    stored = str(await _values(client, user, memory_type))
    assert "skydiving" not in stored and "Lena" in stored and "Oslo" in stored, stored
    report = await admin.health_report(client, user)
    assert (report["held"], report["to_review"]) == (1, 1)
    [held] = await admin.review_list(client, user)
    assert "skydiving" in held["fact"] and held["reason"] == "the words it quoted are not yours"
    endpoint.mode = "honest"  # the positive control: what the user does say is stored
    await _written(client, user, memory_type, "I like skydiving.")
    assert "skydiving" in str(await _values(client, user, memory_type))


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_corrections_land_and_the_old_value_goes_to_history(client, user, endpoint, memory_type):
    endpoint.mode = "misfiling"  # "I like chess" also becomes a job: "chess player"
    await _written(client, user, memory_type, "I'm Dana and I like chess.")
    stored = str(await _values(client, user, memory_type))
    assert "player" not in stored and "chess" in stored, "the misfiled job is never stored"
    endpoint.mode = "honest"
    await _written(client, user, memory_type, "I work as a dentist.")
    await _written(client, user, memory_type, "Actually my name is Lena.")
    await _written(client, user, memory_type, "I moved to Paris.")
    stored = str(await _values(client, user, memory_type))
    assert "entist" in stored and "chess" in stored and "Paris" in stored, stored
    assert "Lena" in stored and "Dana" not in stored, "the corrected name replaced the old one"
    if memory_type != "collection":
        key = memory_kind(memory_type).key
        assert key is not None
        past = str([v["value"] for v in await admin.memory_history(client, user, memory_type, key)])
        assert "Dana" in past, "the old name is in the memory's history"


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_a_move_still_replaces_and_a_retraction_still_removes(client, user, memory_type):
    await _written(client, user, memory_type, "I'm Dana. I live in Boston. I like chess and I like tennis.")
    await _written(client, user, memory_type, "I moved from Boston to Paris.")
    await _written(client, user, memory_type, "Forget that I like chess.")
    stored = str(await _values(client, user, memory_type))
    assert "Paris" in stored and "Boston" not in stored, stored
    assert "chess" not in stored and "tennis" in stored and "Dana" in stored, stored


async def test_in_hot_path_a_repair_is_reported_in_the_chat_thread(client, user, endpoint):
    assistant = await ensure_assistant(client, "profile", write_mode="hot_path")
    await send(client, assistant, (await client.threads.create())["thread_id"], user, "I'm Dana.", out=io.StringIO())
    endpoint.mode = "destructive"
    thread = (await client.threads.create())["thread_id"]
    await send(client, assistant, thread, user, "I like chess.", out=io.StringIO())
    note = await wait_for_memory(client, thread)
    assert note and "name: Dana" in note
    [profile] = await _values(client, user, "profile")
    assert profile["name"] == "Dana" and profile["interests"] == ["chess"]


async def test_in_hot_path_an_unrepairable_write_fails_the_chat_run_and_says_why(client, user, endpoint):
    assistant = await ensure_assistant(client, "profile", write_mode="hot_path")
    await send(client, assistant, (await client.threads.create())["thread_id"], user, "I'm Dana.", out=io.StringIO())
    endpoint.mode = "bad_doc_id"
    reply = io.StringIO()
    with pytest.raises(RunFailed, match="does not exist"):
        await send(client, assistant, (await client.threads.create())["thread_id"], user, "I like chess.", out=reply)
    assert reply.getvalue().strip(), "the reply came before the write was refused"
    [profile] = await _values(client, user, "profile")
    assert profile["name"] == "Dana" and profile["interests"] == []


# -- 5. a verifier that errs ------------------------------------------------------------------------


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_an_unusable_verification_holds_every_new_fact_for_review(client, user, endpoint, memory_type):
    endpoint.mode = "garbled"  # answers the verification in prose, with no verdicts
    note = await _written(client, user, memory_type, "I'm Lena and I live in Oslo.")
    assert note and "held 2 for your review" in note and "it could not be checked" in note
    assert "Oslo" not in str(await _values(client, user, memory_type)), "never kept as a fact"
    held = await admin.review_list(client, user)
    assert len(held) == 2 and all(h["quotes"] for h in held), "never dropped: held with the user's words"
    endpoint.mode = "honest"
    for item in held:
        await admin.review_decide(client, user, item["id"], "confirm")
    stored = str(await _values(client, user, memory_type))
    assert "Oslo" in stored and "Lena" in stored and await admin.review_list(client, user) == []


async def test_a_verifier_that_confirms_everything_still_cannot_pass_a_misreading_the_quote_shows(
    client, user, endpoint
):
    endpoint.mode = "gullible"
    await _written(client, user, "collection", "My sister lives in Boston. I don't like chess anymore.")
    await _written(client, user, "collection", "Should I move to Lisbon?")
    assert await _values(client, user, "collection") == []
