"""A sample of the grounding sets through a real `langgraph dev`, in both write modes: the scripted endpoint
proposes what a real model would, and each case ends as tests/test_grounding_sets.py says it does in process."""

from __future__ import annotations

import io
import json

import pytest

from agent.client.sdk import ensure_assistant, memories, send, wait_for_memory
from agent.memory.manage import admin, export
from agent.memory.write.grounding import normalised
from bench.grounding import stored_value, text_in
from devtools.recorded_phrasings import sets
from tests.test_grounding_sets import _expected

SAMPLE = ["t01", "t05", "t07", "t11", "t33", "c01", "c02", "r01", "m02", "m03", "m09", "m10"]


@pytest.mark.parametrize("write_mode", ["background", "hot_path"])
async def test_a_sample_of_the_sets_ends_as_in_process(connect, user, write_mode):
    cases = {case["id"]: case for case in sets()["facts"]}
    wrong = []
    for case_id in SAMPLE:
        case = cases[case_id]
        who = f"{user}-{case_id}"
        client = connect(who)
        if case.get("stored") and (seeded := stored_value("collection", case["stored"])):
            await client.store.put_item(["memory", who, "collection"], *seeded)
        assistant = await ensure_assistant(client, "collection", write_mode=write_mode, memory_delay_seconds=0)
        thread = (await client.threads.create())["thread_id"]
        await send(client, assistant, thread, who, case["said"][0], out=io.StringIO())
        await wait_for_memory(client, thread)
        facts = {normalised(i["value"]["content"]) for i in await memories(client, who, "collection")}
        held = {normalised(h["fact"]) for h in await admin.review_list(client, who)}
        if case["label"] in ("correction", "retraction"):
            old = normalised(text_in("collection", case["stored"]) or "")
            new = [normalised(t) for p in case["proposed"] if (t := text_in("collection", p))]
            landed = old not in facts and all(n in facts for n in new)
            got, want = ["landed" if landed else "stayed"], ["landed"]
        else:
            texts = [(p, normalised(t)) for p in case["proposed"] if (t := text_in("collection", p))]
            got = [("used" if t in facts else "held" if t in held else "lost") for _, t in texts]
            want = [_expected(case, p, "honest") for p, _ in texts]
        if got != want:
            wrong.append(f"{case_id}: {got} (expected {want})")
    assert not wrong, wrong


async def test_quotes_are_the_users_words_once_and_leave_with_the_exchange(client, user, endpoint):
    """Quotes point into the episodes, never copy them: forgetting the exchange takes the words from the memory's
    history and from review alike; the same fact proposed again is one review entry."""
    assistant = await ensure_assistant(client, "profile", memory_delay_seconds=0)

    async def teach(text: str) -> None:
        thread = (await client.threads.create())["thread_id"]
        await send(client, assistant, thread, user, text, out=io.StringIO())
        await wait_for_memory(client, thread)

    await teach("I work as a nurse.")
    endpoint.mode = "garbled"
    await teach("I live in Rome.")
    await teach("I live in Rome.")
    endpoint.mode = "honest"
    [held] = await admin.review_list(client, user)
    assert held["fact"] == "location: Rome" and held["times"] == 2, held
    assert [q["words"] for q in held["quotes"]] == ["I live in Rome"]
    [newest] = (await admin.memory_history(client, user, "profile", "profile"))[-1:]
    assert [(q["fact"], q["words"]) for q in newest["quotes"]] == [("job: Nurse", "I work as a nurse")]
    exported = str(await export.export_user(client, user))
    assert "location: Rome" in exported and "I work as a nurse" in exported, "export carries both, as episodes"

    for episode in await admin.episode_list(client, user):
        await admin.delete_episode(client, user, episode["key"])
    [held] = await admin.review_list(client, user)
    assert held["quotes"] == [], "the words left with the exchange"
    assert (await admin.memory_history(client, user, "profile", "profile"))[-1]["quotes"] == []
    everything = str(await export.export_user(client, user))
    assert "I work as a nurse" not in everything and "I live in Rome" not in everything
    assert "Nurse" in str(await memories(client, user, "profile")), "the fact stays"


@pytest.mark.parametrize("write_mode", ["background", "hot_path"])
async def test_a_yes_to_the_bots_question_is_read_with_the_question(client, user, endpoint, write_mode):
    assistant = await ensure_assistant(client, "collection", write_mode=write_mode, memory_delay_seconds=0)
    thread = (await client.threads.create())["thread_id"]
    await send(client, assistant, thread, user, "Hi there!", out=io.StringIO())
    await wait_for_memory(client, thread)
    question = "Nice! Do you still work at Google?"  # as if the bot had asked it
    await client.threads.update_state(thread, {"messages": [{"role": "assistant", "content": question}]})
    await send(client, assistant, thread, user, "Yes, still there.", out=io.StringIO())
    await wait_for_memory(client, thread)
    stored = [i["value"]["content"] for i in await memories(client, user, "collection")]
    assert stored == ["The user works at Google."], stored
    verifications = [json.dumps(r["messages"]) for r in endpoint.requests if "Claims to check" in json.dumps(r)]
    assert any("answering the assistant's question \\\"Nice! Do you still work at Google?" in v for v in verifications)
