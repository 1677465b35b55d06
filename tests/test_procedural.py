"""Procedural memory with the scripted model (in process): the user's instructions for the bot are learned from
their feedback, kept beside every memory type, applied in every thread, corrected and kept apart from facts."""

from __future__ import annotations

import pytest

from agent.memory.kinds import INSTRUCTIONS, MEMORY_TYPES
from agent.memory.records.namespaces import memory_namespace


def _instructions(store, user: str) -> list[str]:
    return [item.value["content"] for item in store.search(memory_namespace(user, INSTRUCTIONS.name), limit=100)]


def _facts(store, user: str, memory_type: str) -> str:
    return str([item.value for item in store.search(memory_namespace(user, memory_type), limit=100)])


def _instruction_section(prompt: str) -> str:
    return prompt.split("How the user wants you to answer", 1)[1].split("Current time", 1)[0]


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_a_preference_given_in_one_thread_shapes_the_prompt_of_a_new_one(
    chat, store, scripted_model, memory_type
):
    await chat("Please keep your replies short.", user="ana", memory_type=memory_type)
    assert _instructions(store, "ana") == ["Keep responses brief."]
    scripted_model.prompts.clear()
    reply = await chat("What do you know about me?", user="ana", memory_type=memory_type)
    answering = scripted_model.prompt_texts()[0]
    assert "Keep responses brief." in _instruction_section(answering), "apart from the facts"
    assert "Keep responses brief." in reply


async def test_a_changed_preference_replaces_the_old_one(chat, store, scripted_model):
    await chat("Please answer in French.", user="ana", memory_type="profile")
    await chat("Actually, answer in Spanish from now on.", user="ana", memory_type="collection")
    assert _instructions(store, "ana") == ["Respond in Spanish."], "one instruction, whatever the memory type"
    [history] = store.search(("memory", "ana", "history", INSTRUCTIONS.name), limit=10)
    assert "Respond in French." in str(history.value["versions"]), "the old one is in the history"


async def test_a_fact_is_not_an_instruction_nor_an_instruction_a_fact(chat, store, scripted_model):
    for memory_type in MEMORY_TYPES:
        await chat("I live in Oslo and I like chess.", user=f"ola-{memory_type}", memory_type=memory_type)
        assert _instructions(store, f"ola-{memory_type}") == []
        assert "Oslo" in _facts(store, f"ola-{memory_type}", memory_type)
        await chat("Don't suggest recipes with nuts.", user=f"nia-{memory_type}", memory_type=memory_type)
        assert _instructions(store, f"nia-{memory_type}") == ["Avoid suggesting recipes with nuts."]
        assert "nuts" not in _facts(store, f"nia-{memory_type}", memory_type)


async def test_statements_about_oneself_cost_no_instruction_extraction(chat, scripted_model):
    await chat("I work as a nurse.", user="kim", memory_type="collection")
    assert not any("one instruction per memory" in text for text in scripted_model.prompt_texts())


async def test_instructions_have_a_budget_of_their_own_and_reach_a_custom_system_prompt(chat, store, scripted_model):
    await chat("Please keep your replies short. Please answer in German.", user="eva", memory_type="semantic")
    assert sorted(_instructions(store, "eva")) == ["Keep responses brief.", "Respond in German."]
    scripted_model.prompts.clear()
    await chat("Hi", user="eva", memory_type="semantic", instructions_char_budget=20)
    section = _instruction_section(scripted_model.prompt_texts()[0])
    assert section.count("Respond in German.") + section.count("Keep responses brief.") == 1, "cut to 20 characters"
    scripted_model.prompts.clear()
    await chat("Hi", user="eva", memory_type="semantic", system_prompt="You are terse. Memory: {memory}")
    assert "Respond in German." in scripted_model.prompt_texts()[0], "a prompt of an assistant's own gets them too"
    scripted_model.prompts.clear()
    await chat("Hi", user="eva", memory_type="semantic", instructions_char_budget=0)
    assert "Respond in German." not in _instruction_section(scripted_model.prompt_texts()[0])
