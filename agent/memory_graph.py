"""The memory-writer graph: runs on a user's memory thread, after the chat run has replied.

Its thread state holds the messages still to be extracted. A run that finds a later run queued
behind it ends at once and leaves its messages to that run; the last one extracts them all in one
model call and clears the buffer. Model calls are retried by the model client (and trustcall); if
the extraction still fails, the run ends in an error, the stored memory is untouched and the
messages stay buffered for the next write — for up to MAX_FAILED_RUNS runs, after which they are
dropped (and the run says so), so one bad message cannot block a user's memory for good.
"""

from __future__ import annotations

from langchain_core.messages import RemoveMessage
from langgraph.config import get_config
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import REMOVE_ALL_MESSAGES
from langgraph.runtime import Runtime

from agent.context import Context, context_of, store_of
from agent.memory.queue.write_lock import lock_thread_id
from agent.memory.queue.write_queue import later_write_queued
from agent.memory.queue.writer_threads import MEMORY_GRAPH_ID, writer_thread_id
from agent.memory.records.controls import read_switch
from agent.state import MemoryWriterState
from agent.turn_writes import write_turn

MAX_FAILED_RUNS = 3
_CLEAR = [RemoveMessage(id=REMOVE_ALL_MESSAGES)]


class MemoryWriteFailed(RuntimeError):
    """The extraction failed after its retries; nothing was written."""


async def extract(state: MemoryWriterState, runtime: Runtime[Context]) -> dict:
    """Write what the waiting messages teach about the user, unless a later run will do it."""
    config = get_config()
    configurable = config.get("configurable", {})
    ctx = context_of(runtime)
    thread_id = configurable.get("thread_id")
    if thread_id != writer_thread_id(ctx.user_id, ctx.memory_type):
        if thread_id == lock_thread_id(ctx.user_id, ctx.memory_type) and not state["messages"]:
            return {}  # a write lease whose holder never released it: it ends here, freeing the lock
        raise MemoryWriteFailed(f"a {MEMORY_GRAPH_ID} run belongs on the user's own memory-writer thread")
    if not state["messages"]:
        return {}
    if await later_write_queued(thread_id, configurable.get("run_id")):
        return {}
    if (await read_switch(store_of(runtime), ctx.user_id)).paused:  # said before the pause: it waits
        return {"note": f"memory is paused: {len(state['messages'])} message(s) wait until it is on again"}
    try:
        chat = (config.get("metadata") or {}).get("chat_thread_id")
        note = await write_turn(runtime, state["messages"], "memory_writer", chat)
    except Exception as error:  # model, network or validation failure (after their own retries): nothing written
        failed_runs = state.get("failed_runs", 0) + 1
        dropped = failed_runs >= MAX_FAILED_RUNS
        note = f"memory extraction failed ({type(error).__name__}: {error}); " + (
            f"dropped {len(state['messages'])} message(s) after {failed_runs} failed writes"
            if dropped
            else "the messages stay queued for the next write"
        )
        update = {"failed_runs": 0 if dropped else failed_runs, "error": note}
        return {**update, "messages": _CLEAR} if dropped else update
    return {"messages": _CLEAR, "failed_runs": 0, "error": None, "note": note}


def report(state: MemoryWriterState) -> dict:
    """End the run in an error that says what happened (the state update above is kept)."""
    raise MemoryWriteFailed(state["error"])


def failed(state: MemoryWriterState) -> str:
    return "report" if state.get("error") else END


builder = StateGraph(MemoryWriterState, context_schema=Context)
builder.add_node(extract)
builder.add_node(report)
builder.add_edge(START, "extract")
builder.add_conditional_edges("extract", failed, ["report", END])
builder.add_edge("report", END)

graph = builder.compile()
graph.name = "memory_writer"
