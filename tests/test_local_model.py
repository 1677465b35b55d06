"""The embedded SmolLM2 model, loaded for real: streaming, tool calls under grammar, trustcall extraction."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.store.memory import InMemoryStore
from pydantic import BaseModel

from agent.memory.records.namespaces import memory_namespace
from agent.memory.write.turn import remember
from agent.models.local import LocalChatModel
from agent.models.registry import load_chat_model
from agent.schemas import Memory, UserProfile

FIRST = "Hi, I'm Lance, I live in San Francisco and I like biking"


@pytest.fixture(scope="module")
def model() -> LocalChatModel:
    loaded = load_chat_model("local:smollm2")
    assert isinstance(loaded, LocalChatModel), loaded
    return loaded


async def test_streams_a_reply_token_by_token(model):
    chunks = [chunk.text async for chunk in model.astream("Say hello to Lance.")]
    assert len([c for c in chunks if c]) > 3
    assert "".join(chunks).strip()


@pytest.mark.parametrize("memory_type, schema", [("profile", UserProfile), ("collection", Memory)])
async def test_extractors_give_schema_valid_memories_with_the_name(model, memory_type, schema):
    store = InMemoryStore()
    writes = (await remember(store, model, "lance", memory_type, [HumanMessage(FIRST)])).writes
    assert writes, "nothing was extracted"
    for _key, value in writes:
        schema.model_validate(value)
    assert "Lance" in str([value for _key, value in writes])


def _stored_profile(store: InMemoryStore) -> dict[str, Any]:
    item = store.get(memory_namespace("lance", "profile"), "profile")
    assert item is not None, "no profile is stored"
    return item.value


async def test_a_move_patches_the_stored_profile(model):
    store = InMemoryStore()
    await remember(store, model, "lance", "profile", [HumanMessage(FIRST)])
    before = _stored_profile(store)
    assert before["location"] == "San Francisco"

    writes = (await remember(store, model, "lance", "profile", [HumanMessage("I moved to Boston")])).writes

    assert [key for key, _ in writes] == ["profile"]
    after = _stored_profile(store)
    assert after["location"] == "Boston"
    assert after["name"] == "Lance", "the patch must leave the other fields as they were"
    UserProfile.model_validate(after)


class Weather(BaseModel):
    """Weather report for a city."""

    city: str
    temperature_celsius: float | None = None


class Reminder(BaseModel):
    """A reminder to set."""

    text: str


@pytest.mark.parametrize("tool_choice", ["any", "required"])
def test_any_tool_choice_calls_one_of_the_bound_tools(model, tool_choice):
    bound = model.bind_tools([Weather, Reminder], tool_choice=tool_choice)
    message = bound.invoke([HumanMessage("Remind me to call my mother in Paris tomorrow")])
    assert message.tool_calls, message
    for call in message.tool_calls:
        assert call["name"] in {"Weather", "Reminder"}
        tools: dict[str, type[BaseModel]] = {"Weather": Weather, "Reminder": Reminder}
        tools[call["name"]].model_validate(call["args"])


def test_forced_tool_and_structured_output(model):
    message = model.bind_tools([Weather], tool_choice="Weather").invoke("What is the weather in Lisbon?")
    assert [c["name"] for c in message.tool_calls] == ["Weather"]
    report = model.with_structured_output(Weather).invoke("What is the weather in Lisbon?")
    assert isinstance(report, Weather) and report.city
