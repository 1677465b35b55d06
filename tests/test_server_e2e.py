"""End to end: a real `langgraph dev` serving langgraph.json, a scripted OpenAI-compatible model, the SDK."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk.errors import UnprocessableEntityError

from agent.client.sdk import ensure_assistant, memories, send, wait_for_memory
from agent.memory.kinds import MEMORY_TYPES
from tests.distractors import NEEDLE, QUESTION, food_distractors
from tests.shared_data import SAID_IN_SIX_SCRIPTS
from tests.typed import DelaySettings

FAST: DelaySettings = {"memory_delay_seconds": 0.5}


def _answering_prompt(endpoint, since: int, question: str) -> str:
    """The chat prompt that carried ``question`` (other tests' background writes may interleave)."""
    return next(p for p in endpoint.prompts()[since:] if question in p and "What you remember" in p)


async def _all_memories(client, user) -> list[tuple]:
    found = await client.store.search_items(["memory", user], limit=1000)
    return sorted((tuple(i["namespace"]), i["key"], str(i["value"])) for i in found["items"])


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_a_name_and_city_said_in_five_scripts_are_recalled(connect, memory_type):
    for number, (said, name, place) in enumerate(list(SAID_IN_SIX_SCRIPTS.values())[:5]):
        user = f"scripts-{memory_type}-{number}-{uuid.uuid4().hex[:6]}"
        client = connect(user)
        assistant = await ensure_assistant(client, memory_type, **FAST)
        first = (await client.threads.create())["thread_id"]
        await send(client, assistant, first, user, said)
        await wait_for_memory(client, first)
        second = (await client.threads.create())["thread_id"]
        reply = await send(client, assistant, second, user, "?")
        assert name in reply and place in reply, reply


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_new_thread_recalls_name_and_city(client, user, endpoint, memory_type):
    assistant = await ensure_assistant(client, memory_type, **FAST)
    first = (await client.threads.create())["thread_id"]
    await send(client, assistant, first, user, "Hi! I'm Lance. I live in San Francisco and I like biking.")
    await wait_for_memory(client, first)

    stored = await memories(client, user, memory_type)
    assert stored and "Lance" in str(stored) and "San Francisco" in str(stored)

    second = (await client.threads.create())["thread_id"]
    sent_before = len(endpoint.requests)
    reply = await send(client, assistant, second, user, "What is my name and where do I live?")
    assert "Lance" in reply and "San Francisco" in reply
    answering_prompt = _answering_prompt(endpoint, sent_before, "What is my name and where do I live?")
    assert "Lance" in answering_prompt and "San Francisco" in answering_prompt

    state = await client.threads.get_state(second)
    assert [m["type"] for m in state["values"]["messages"]] == ["human", "ai"], "a new thread starts empty"


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_another_user_sees_none_of_it(connect, memory_type):
    alice, bob = f"alice-{memory_type}", f"bob-{memory_type}"
    as_alice, as_bob = connect(alice), connect(bob)
    assistant = await ensure_assistant(as_alice, memory_type, **FAST)
    alice_thread = (await as_alice.threads.create())["thread_id"]
    await send(as_alice, assistant, alice_thread, alice, "I'm Alice and I live in Lisbon.")
    await wait_for_memory(as_alice, alice_thread)
    bob_assistant = await ensure_assistant(as_bob, memory_type, **FAST)
    reply = await send(as_bob, bob_assistant, (await as_bob.threads.create())["thread_id"], bob, "Where do I live?")
    assert "Lisbon" not in reply and "Alice" not in reply
    assert await memories(as_bob, bob, memory_type) == []
    assert "Lisbon" in str(await memories(as_alice, alice, memory_type))


@pytest.mark.parametrize(
    "context, field",
    [
        ({"memory_type": "episodic"}, "memory_type"),
        ({"user_id": "alice.smith"}, "user_id"),
        ({"user_id": "x" * 1000}, "user_id"),
        ({"user_id": ""}, "user_id"),
    ],
)
async def test_bad_configuration_is_a_clear_error_and_changes_nothing(client, user, context, field):
    assistant = await ensure_assistant(client, "profile", **FAST)
    carol_thread = (await client.threads.create())["thread_id"]
    await send(client, assistant, carol_thread, user, "I'm Carol and I live in Oslo.")
    await wait_for_memory(client, carol_thread)
    before = await _all_memories(client, user)
    thread = (await client.threads.create())["thread_id"]

    with pytest.raises(Exception, match=f"422(.|\n)*{field}"):  # refused before a run exists
        await client.runs.wait(
            thread,
            assistant,
            input={"messages": [{"role": "user", "content": "I'm Mallory and I live in Rome."}]},
            context={"user_id": user, **context},
        )
    with pytest.raises(UnprocessableEntityError, match=field):
        await client.assistants.create(graph_id="chatbot", context={"memory_type": "profile", **context})

    assert await _all_memories(client, user) == before
    assert (await client.threads.get_state(thread))["values"] in ({}, None, [])


async def test_studio_schema_exposes_the_configuration(client):
    assistant = await ensure_assistant(client, "collection")
    schemas = await client.assistants.get_schemas(assistant)
    properties = schemas["context_schema"]["properties"]
    for field in ("user_id", "memory_type", "model", "write_mode", "memory_delay_seconds", "system_prompt"):
        assert properties[field]["description"], field
    assert properties["memory_type"]["enum"] == list(MEMORY_TYPES)
    assert properties["model"]["default"] == "openai:gpt-4o-mini"


async def test_answering_prompt_holds_a_memory_only_vector_search_finds(client, user, endpoint):
    namespace = ["memory", user, "collection"]
    for i, text in enumerate(food_distractors(40)):
        await client.store.put_item(namespace, f"d{i:02d}", {"content": text})
    await client.store.put_item(namespace, "needle", {"content": NEEDLE})
    # Room for about three of the 41 memories: the needle must rank near the top to be shown.
    assistant = await ensure_assistant(client, "collection", memory_char_budget=140, **FAST)

    sent_before = len(endpoint.requests)
    await send(client, assistant, (await client.threads.create())["thread_id"], user, QUESTION)

    prompt = _answering_prompt(endpoint, sent_before, QUESTION)
    memory_section = prompt.split("What you remember about the user:\n")[1].split("\n\nHow the user wants you")[0]
    assert NEEDLE in memory_section, "the store index configured in langgraph.json was not used"
    assert 1 <= memory_section.count("The user") <= 3 and len(memory_section) <= 140
