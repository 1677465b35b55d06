"""Episodes (in process, scripted model): every exchange is kept for its user, searchable beside the facts, out of
the memory listings, and recalled into the answering prompt's one memory budget, apart from the facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from langchain_core.messages import AIMessage, HumanMessage, convert_to_messages

from agent import limits
from agent.memory.kinds import MEMORY_TYPES
from agent.memory.queue.write_queue import tag_chat_thread
from agent.memory.records import episodes
from agent.memory.records.namespaces import memory_namespace
from agent.memory.records.timeline import RECORDED_AT


def _memory_section(prompt: str) -> str:
    return prompt.split("What you remember about the user:\n", 1)[1].split("\n\nHow the user wants you", 1)[0]


def _excerpts(prompt: str) -> str:
    section = _memory_section(prompt)
    return section.split("From earlier conversations", 1)[1] if "From earlier conversations" in section else ""


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_a_detail_no_fact_holds_is_recalled_in_a_new_thread(chat, store, scripted_model, memory_type):
    await chat("I hid the spare key under the blue flowerpot.", user="ruth", memory_type=memory_type)
    kept = store.search(episodes.namespace("ruth"), limit=10)
    assert [e.value["content"] for e in kept] == ["I hid the spare key under the blue flowerpot."]
    assert kept[0].value["context"], "the assistant's reply is kept beside the user's words"
    assert "flowerpot" not in str(store.search(memory_namespace("ruth", memory_type), limit=10)), "not a fact"
    scripted_model.prompts.clear()
    await chat("What did I tell you about the spare key?", user="ruth", memory_type=memory_type)
    assert "blue flowerpot" in _excerpts(scripted_model.prompt_texts()[0]), "an excerpt, apart from the facts"


async def test_the_threads_own_exchanges_are_not_repeated_but_trimmed_ones_count_as_past(
    chat, scripted_model, monkeypatch
):
    await chat("I hid the spare key under the blue flowerpot.", user="ruth", memory_type="collection", thread="t1")
    scripted_model.prompts.clear()
    await chat("Where is the spare key?", user="ruth", memory_type="collection", thread="t1")
    assert "flowerpot" not in _excerpts(scripted_model.prompt_texts()[0]), "already in this thread's messages"
    for i in range(8):  # a long thread: its first message leaves the prompt
        await chat(f"Filler {i}: " + "words " * 200, user="ruth", memory_type="collection", thread="t1")
    monkeypatch.setenv(limits.PROMPT_CHARS.env, "8000")
    await chat("Thanks.", user="ruth", memory_type="collection", thread="t1")  # the query reads the last two
    scripted_model.prompts.clear()
    await chat("Remind me where the spare key is.", user="ruth", memory_type="collection", thread="t1")
    answering = scripted_model.prompt_texts()[0]
    assert "flowerpot" in _excerpts(answering), "trimmed from the prompt, reachable as past"


async def test_facts_and_excerpts_share_one_budget_that_stays_bounded(chat, store, scripted_model):
    for i in range(400):
        store.put(
            episodes.namespace("ruth"),
            f"old-{i}",
            {"content": f"I told you about trip number {i} to the mountains.", "context": "Sounds lovely!"},
        )
    await chat("I like hiking in the mountains.", user="ruth", memory_type="collection")
    scripted_model.prompts.clear()
    await chat(
        "Which trips to the mountains did I mention?", user="ruth", memory_type="collection", memory_char_budget=600
    )
    section = _memory_section(scripted_model.prompt_texts()[0])
    assert len(section) <= 600 and "trip number" in section


async def test_a_question_naming_a_time_finds_what_was_said_then(chat, store, scripted_model):
    last_week = (datetime.now(UTC) - timedelta(days=7)).isoformat(timespec="seconds")
    long_ago = (datetime.now(UTC) - timedelta(days=200)).isoformat(timespec="seconds")
    for key, when, text in (
        ("old", long_ago, "We talked about a restaurant called Rosa's."),
        ("recent", last_week, "We talked about a restaurant called Mario's."),
    ):
        store.put(episodes.namespace("ruth"), key, {"content": text, RECORDED_AT: when})
    scripted_model.prompts.clear()
    await chat(
        "Which restaurant did we talk about a week ago?", user="ruth", memory_type="collection", memory_char_budget=160
    )
    excerpts = _excerpts(scripted_model.prompt_texts()[0])
    assert "Mario's" in excerpts and "Rosa's" not in excerpts, excerpts


async def test_every_memory_version_records_the_episodes_it_was_drawn_from(chat, store, scripted_model):
    await chat("I live in Oslo.", user="ruth", memory_type="profile")
    [history] = store.search(("memory", "ruth", "history", "profile"), limit=5)
    [said] = history.value["versions"][-1]["episodes"]
    assert store.get(episodes.namespace("ruth"), said).value["content"] == "I live in Oslo."


def test_a_write_taking_several_chats_keeps_each_exchange_under_its_own_chat():
    queued = [
        tag_chat_thread(HumanMessage("I live in Oslo.", id="a").model_dump(), "chat-1"),
        tag_chat_thread(AIMessage("Nice.", id="b").model_dump(), "chat-1"),
        tag_chat_thread(HumanMessage("I like tea.", id="c").model_dump(), "chat-2"),
    ]
    buffered = convert_to_messages(queued)  # as the memory writer's thread holds them
    said = episodes.episode_values(buffered, "chat-2", lambda _: datetime.now(UTC))  # the last run's chat
    assert [(value["content"], value["chat_thread_id"]) for _, value in said] == [
        ("I live in Oslo.", "chat-1"),
        ("I like tea.", "chat-2"),
    ]
    assert said[0][0] == episodes.episode_key("chat-1", buffered[0]), "the key a backfill of chat-1 computes"
