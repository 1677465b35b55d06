"""The chatbot graph: check the message, answer with the user's long-term memory, then have it updated.

The graph compiles without a store or checkpointer: `langgraph dev` and the LangGraph
Platform provide both (tests compile it with in-memory ones).
"""

from __future__ import annotations

from datetime import UTC, datetime

from langchain_core.messages import AIMessage, AnyMessage, RemoveMessage, SystemMessage
from langgraph.config import get_config
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore, Item

from agent import limits, prompts
from agent.chat_input import message_problem, new_input, size_problem
from agent.context import Context, context_of, store_of
from agent.memory.api import Recalled, messages_after, recall_for_answer
from agent.memory.procedural import answering_prompt, recall_instructions
from agent.memory.queue.write_queue import queue_write
from agent.memory.records.controls import read_switch
from agent.memory.records.marks import kept
from agent.memory.records.retrieval import query_from
from agent.models.registry import load_chat_model
from agent.prompt_window import fit_prompt, overflow
from agent.state import ChatState
from agent.turn_memory import RECEIPT, receipt, turn_memory, unkept_turn
from agent.turn_writes import write_turn


def check_message(state: ChatState) -> dict:
    """Refuse, politely, what the bot cannot use: it is taken out of the thread and never stored."""
    block = new_input(state["messages"])
    last = block[-1] if block else None
    if (problem := size_problem(block)) is not None:
        refused = block  # all of this turn's messages: none of it reaches a prompt
    elif (problem := message_problem(last)) is not None:
        refused = [last] if last is not None else []
    else:
        return {}
    removal = [RemoveMessage(id=message.id) for message in refused if message.id]
    return {"messages": [*removal, AIMessage(content=problem)]}


def route_checked(state: ChatState) -> str:
    return "respond" if state["messages"] and state["messages"][-1].type == "human" else END


async def respond(state: ChatState, runtime: Runtime[Context]) -> dict:
    """Reply to the user with their long-term memory (facts, and excerpts of past conversations) and their
    instructions for the bot in the system prompt, unless this turn may not read them (`agent.turn_memory`).
    The reply records what its prompt used; a turn that may not write is marked so memory never keeps it."""
    ctx = context_of(runtime)
    store = store_of(runtime)
    turn = await turn_memory(store, ctx.user_id, ctx.memory_use, state.get("memory_use"))
    recalled, memory, instructions = Recalled(), prompts.NO_MEMORY, prompts.NO_INSTRUCTIONS
    shown: list[Item] = []
    if turn.reads:
        budget = memory_budget(ctx, state["messages"][-1])
        # The messages the prompt will hold, were the memory to fill its budget: their own episodes stay out.
        room = len(ctx.system_prompt) + budget + ctx.instructions_char_budget
        in_prompt = {m.id for m in fit_prompt("x" * room, state["messages"]) if m.id}
        query = query_from(state["messages"])
        recalled = await recall_for_answer(store, ctx.user_id, ctx.memory_type, query, budget, in_prompt)
        memory = recalled.text()
        instructions, shown = await recall_instructions(store, ctx.user_id, ctx.instructions_char_budget)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    system = answering_prompt(ctx.system_prompt, memory, instructions, now)
    reply = await load_chat_model(ctx.model).ainvoke([SystemMessage(system), *fit_prompt(system, state["messages"])])
    used = receipt(ctx.user_id, ctx.memory_type, recalled.items, shown)
    reply = reply.model_copy(update={"additional_kwargs": {**reply.additional_kwargs, RECEIPT: used}})
    unkept = [] if turn.writes else unkept_turn([*new_input(state["messages"]), reply], turn.why or "off")
    # A thread keeps at most limits.THREAD_CHARS: its oldest messages, once memory has them, leave it.
    let_go = [RemoveMessage(id=m.id) for m in overflow(state["messages"], state.get("memory_cursor")) if m.id]
    return {"messages": [*let_go, *(unkept or [reply])], "recalled_memory": memory}


def memory_budget(ctx: Context, newest: AnyMessage) -> int:
    """The memory's share of the answering prompt: its budget, less what the prompt cap cannot hold beside the
    template, the instructions and the message being answered (which always goes in)."""
    section = 0 if "{instructions}" in ctx.system_prompt else len(prompts.INSTRUCTIONS_SECTION)
    fixed = len(ctx.system_prompt) + section + ctx.instructions_char_budget + limits.message_chars(newest) + 32
    return max(0, min(ctx.memory_char_budget, limits.PROMPT_CHARS.value() - fixed))


async def write_memory(state: ChatState, runtime: Runtime[Context]) -> dict:
    """Hot path: update the user's memory from the messages it has not seen, before the run ends.

    It holds the user's write lock, so concurrent chat runs of one user write one after another.
    A failed or refused write fails this run (the reply is already in the thread) and leaves the
    cursor where it was, so the next turn tries these messages again. While the user's memory is
    paused, nothing is written and what was said before the pause waits.
    """
    ctx = context_of(runtime)
    pending = await _pending(state, store_of(runtime), ctx.user_id)
    if pending is None:
        return {}
    note = None
    if pending:
        chat = get_config().get("configurable", {}).get("thread_id")
        note = await write_turn(runtime, pending, "hot_path", chat)
    return {"memory_cursor": state["messages"][-1].id, "memory_note": note}


async def schedule_memory(state: ChatState, runtime: Runtime[Context]) -> dict:
    """Background: hand the messages memory has not seen to the user's memory-writer thread."""
    ctx = context_of(runtime)
    pending = await _pending(state, store_of(runtime), ctx.user_id)
    if pending is None:
        return {}
    if not pending:
        return {"memory_cursor": state["messages"][-1].id}
    writer_context = ctx.model_dump(include={"user_id", "memory_type", "model", "memory_top_k"})
    chat_thread_id = get_config().get("configurable", {}).get("thread_id")
    queued = await queue_write(
        ctx.user_id, ctx.memory_type, pending, writer_context, ctx.memory_delay_seconds, chat_thread_id
    )
    return {"memory_cursor": state["messages"][-1].id, "memory_write": queued}


async def _pending(state: ChatState, store: BaseStore, user_id: str) -> list[AnyMessage] | None:
    """The messages memory has not seen and may keep ([] when there are none to write: the cursor moves on);
    None while the user's memory is paused and some wait (they stay pending)."""
    pending = kept(messages_after(state["messages"], state.get("memory_cursor")))
    if not any(m.type == "human" for m in pending):
        return []
    return None if (await read_switch(store, user_id)).paused else pending


def route_write(state: ChatState, runtime: Runtime[Context]) -> str:
    return "write_memory" if context_of(runtime).write_mode == "hot_path" else "schedule_memory"


builder = StateGraph(ChatState, context_schema=Context)
builder.add_node(check_message)
builder.add_node(respond)
builder.add_node(write_memory)
builder.add_node(schedule_memory)
builder.add_edge(START, "check_message")
builder.add_conditional_edges("check_message", route_checked, ["respond", END])
builder.add_conditional_edges("respond", route_write, ["write_memory", "schedule_memory"])
builder.add_edge("write_memory", END)
builder.add_edge("schedule_memory", END)

graph = builder.compile()
graph.name = "chatbot"
