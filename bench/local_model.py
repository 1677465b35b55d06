"""Benchmark the embedded local model: tokens/s, time to first token, one full chat turn with memory write.

    .venv/bin/python -m bench.local_model [--runs 3]

Printed, not asserted. A full turn runs the chatbot graph in process (in-memory store and
checkpointer, write_mode=hot_path): the reply, then the memory write of each memory type.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from agent.context import LOCAL_MODEL, Context
from agent.graph import builder
from agent.memory.kinds import MEMORY_TYPES
from agent.models.local import LocalChatModel
from agent.models.registry import load_chat_model
from agent.state import ChatState

PROMPT = "Tell me about the history of the bicycle."
TURN = "Hi, I'm Lance, I live in San Francisco and I like biking"


async def generation(model) -> tuple[float, float, int]:
    """(seconds to first token, seconds in all, tokens) for one streamed reply."""
    start = time.perf_counter()
    first, tokens = None, 0
    async for chunk in model.astream(PROMPT):
        if chunk.text:
            first = first or time.perf_counter() - start
            tokens += 1  # llama.cpp streams one token per chunk
    return first or 0.0, time.perf_counter() - start, tokens


async def full_turn(memory_type: str) -> float:
    graph = builder.compile(store=InMemoryStore(), checkpointer=InMemorySaver())
    start = time.perf_counter()
    state: ChatState = {"messages": [HumanMessage(TURN)]}
    config: RunnableConfig = {"configurable": {"thread_id": str(uuid.uuid4())}}
    await graph.ainvoke(
        state,
        config,
        context=Context(user_id="bench", memory_type=memory_type, model=LOCAL_MODEL, write_mode="hot_path"),
    )
    return time.perf_counter() - start


async def main(runs: int) -> None:
    model = load_chat_model(LOCAL_MODEL)
    assert isinstance(model, LocalChatModel)
    start = time.perf_counter()
    await asyncio.to_thread(model._llama)
    print(f"model load: {time.perf_counter() - start:.2f} s (threads: {model.n_threads})\n")

    samples = [await generation(model) for _ in range(runs)]
    ttft = statistics.median(s[0] for s in samples)
    rate = statistics.median(s[2] / s[1] for s in samples)
    print(f"{'measure':<34}{'median of ' + str(runs):>16}")
    print(f"{'time to first token':<34}{ttft * 1000:>13.0f} ms")
    print(f"{'tokens per second (streamed)':<34}{rate:>16.1f}")
    for memory_type in MEMORY_TYPES:
        turn = statistics.median([await full_turn(memory_type) for _ in range(runs)])
        print(f"{'full turn, ' + memory_type + ' memory':<34}{turn:>14.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(main(parser.parse_args().runs))
