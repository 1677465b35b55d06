"""The chatbot graph: answer with the user's long-term memory, then update that memory.

The graph compiles without a store or checkpointer: `langgraph dev` and the LangGraph
Platform provide both (tests compile it with in-memory ones).
"""

from __future__ import annotations

from datetime import datetime, timezone

from langchain_core.messages import SystemMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.runtime import Runtime

from agent.context import Context
from agent.memory import memory_kind, recall, remember
from agent.models import load_chat_model


def _context(runtime: Runtime[Context]) -> Context:
    return runtime.context if runtime.context is not None else Context()


async def respond(state: MessagesState, runtime: Runtime[Context]) -> dict:
    """Reply to the user with their long-term memory in the system prompt."""
    ctx = _context(runtime)
    kind = memory_kind(ctx.memory_type)
    items = await recall(runtime.store, ctx.user_id, ctx.memory_type)
    system = ctx.system_prompt.replace("{memory}", kind.render(items)).replace(
        "{time}", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    )
    reply = await load_chat_model(ctx.model).ainvoke([SystemMessage(system), *state["messages"]])
    return {"messages": [reply]}


async def write_memory(state: MessagesState, runtime: Runtime[Context]) -> dict:
    """Update the user's long-term memory from the conversation."""
    ctx = _context(runtime)
    await remember(
        runtime.store, load_chat_model(ctx.model), ctx.user_id, ctx.memory_type, state["messages"]
    )
    return {}


builder = StateGraph(MessagesState, context_schema=Context)
builder.add_node(respond)
builder.add_node(write_memory)
builder.add_edge(START, "respond")
builder.add_edge("respond", "write_memory")
builder.add_edge("write_memory", END)

graph = builder.compile()
graph.name = "chatbot"
