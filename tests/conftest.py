"""Shared fixtures: the chatbot graph compiled over in-memory store and checkpointer, on a scripted model."""

from __future__ import annotations

import uuid

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from agent.graph import builder
from agent.models import register_provider
from tests.scripted_brain import ScriptedChatModel


@pytest.fixture
def scripted_model() -> ScriptedChatModel:
    model = ScriptedChatModel()
    register_provider("scripted", lambda name: model)
    return model


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def chat(scripted_model, store):
    """Send one message on a thread as a user; returns the bot's reply text."""
    graph = builder.compile(store=store, checkpointer=InMemorySaver())

    async def send(text: str, *, user: str, memory_type: str, thread: str | None = None) -> str:
        result = await graph.ainvoke(
            {"messages": [HumanMessage(text)]},
            {"configurable": {"thread_id": thread or str(uuid.uuid4())}},
            context={"user_id": user, "memory_type": memory_type, "model": "scripted:brain"},
        )
        return result["messages"][-1].text

    return send
