"""What reaches the model is bounded whatever reached the thread: a turn's input as a whole, the answering prompt,
and each memory extraction (the graph compiled in-process on the scripted model)."""

from __future__ import annotations

import uuid

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from agent import limits
from agent.context import Context
from agent.graph import builder
from agent.memory.records.namespaces import memory_namespace
from agent.memory.write.turn import remember, windows
from agent.prompt_window import fit_prompt


async def _turn(graph, thread: str, *messages, **settings) -> dict:
    context = Context(user_id="bea", memory_type="collection", model="scripted:brain", write_mode="hot_path")
    return await graph.ainvoke(
        {"messages": list(messages)},
        {"configurable": {"thread_id": thread}},
        context=context.model_copy(update=settings),
    )


async def test_a_long_first_message_is_refused_with_the_rest_of_its_turn(scripted_model, store):
    """The per-message cap holds for every message of a turn, not only the last: none reaches a prompt."""
    graph = builder.compile(store=store, checkpointer=InMemorySaver())
    thread = str(uuid.uuid4())
    result = await _turn(graph, thread, HumanMessage("x" * 90_000), HumanMessage("I like tea."))
    assert [m.type for m in result["messages"]] == ["ai"]
    assert "characters long" in result["messages"][-1].text
    assert scripted_model.prompts == [], "no model was called"
    result = await _turn(graph, thread, HumanMessage("I like jam."))  # the thread goes on
    assert [m.type for m in result["messages"]] == ["ai", "human", "ai"]


async def test_too_many_messages_or_characters_in_one_turn_are_refused(scripted_model, store, monkeypatch):
    graph = builder.compile(store=store, checkpointer=InMemorySaver())
    monkeypatch.setenv(limits.INPUT_MESSAGES.env, "3")
    result = await _turn(graph, str(uuid.uuid4()), *[HumanMessage(f"hi {i}") for i in range(4)])
    assert "4 messages at once" in result["messages"][-1].text
    monkeypatch.setenv(limits.INPUT_CHARS.env, "100")
    result = await _turn(graph, str(uuid.uuid4()), HumanMessage("a" * 60), HumanMessage("b" * 60))
    assert "come to 120 characters" in result["messages"][-1].text
    assert scripted_model.prompts == []


async def test_a_long_threads_oldest_messages_leave_the_prompt_first(scripted_model, store, monkeypatch):
    graph = builder.compile(store=store, checkpointer=InMemorySaver())
    thread = str(uuid.uuid4())
    for i in range(6):
        await _turn(graph, thread, HumanMessage(f"Message {i}: " + "words " * 300))
    monkeypatch.setenv(limits.PROMPT_CHARS.env, "6000")
    scripted_model.prompts.clear()
    await _turn(graph, thread, HumanMessage("And the newest one."))
    answering = scripted_model.prompts[0]
    assert answering[0].type == "system" and "What you remember about the user" in answering[0].text
    assert answering[-1].text == "And the newest one."
    assert sum(len(m.text) for m in answering) <= 6000
    assert "Message 0:" not in "".join(m.text for m in answering), "the oldest left first"
    assert "Message 5:" in "".join(m.text for m in answering), "the newest earlier ones stay"


def test_the_newest_message_and_the_system_prompt_stay_whatever_the_budget():
    messages: list[AnyMessage] = [HumanMessage("old " * 100), AIMessage("reply " * 100), HumanMessage("new " * 100)]
    assert fit_prompt("s" * 50, messages, budget=10) == messages[-1:]
    assert fit_prompt("s" * 50, messages, budget=50 + 1200) == messages[-2:]
    assert fit_prompt("", messages, budget=10_000) == messages


async def test_a_long_conversation_is_extracted_in_bounded_windows_and_nothing_is_skipped(
    scripted_model, store, monkeypatch
):
    monkeypatch.setenv(limits.PROMPT_CHARS.env, "2000")
    filler = " ".join(["and so on"] * 60)
    said = [HumanMessage(f"I like {hobby}. {filler}") for hobby in ("chess", "sailing", "pottery", "judo")]
    assert len(windows(said, 1000)) == 4
    await remember(store, scripted_model, "bea", "collection", said)
    extractions = [p for p in scripted_model.prompts if "<conversation>" in "".join(m.text for m in p)]
    assert len(extractions) >= 4
    assert all(len("".join(m.text for m in p if "<conversation>" in m.text)) <= 1000 + 200 for p in extractions)
    stored = " ".join(str(i.value) for i in await store.asearch(memory_namespace("bea", "collection"), limit=50))
    for hobby in ("chess", "sailing", "pottery", "judo"):
        assert hobby in stored
