"""Benchmark the embedded local model: its speed, and how well it keeps memory.

    .venv/bin/python -m bench.local_model [--runs 3] [--conversations 22]

Printed, not asserted.
1. Tokens/s, time to first token, and one full chat turn per memory kind (the chatbot graph in process, with
   an in-memory store and checkpointer, write_mode=hot_path: the reply, then the memory write).
2. Memory quality: the committed scripted conversations (bench/data/conversations.json: who the user is, where
   they live, what they do and like, and corrections), each user message one memory write, for each memory
   kind, through the word checks of before (`bench/word_checks.py`) and through the grounded path the server
   takes now (`agent.memory.write.turn.remember`), side by side. Printed per kind and path: the share of the
   stated facts the memory holds at the end, the corrected values still held, the facts stored that are none
   of the conversation's labelled facts (invented, and used), and what the guards did (facts kept, facts held
   for review or, before, left out).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from pathlib import Path

from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from agent.context import LOCAL_MODEL, Context
from agent.graph import builder
from agent.memory.kinds import MEMORY_TYPES, memory_kind
from agent.memory.records.namespaces import list_all, memory_namespace
from agent.memory.write.turn import remember
from agent.memory.write.writers import ExtractionFailed
from agent.models.local import LocalChatModel
from agent.models.registry import load_chat_model
from agent.state import ChatState
from bench.word_checks import remember_with_word_checks

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


CONVERSATIONS = Path(__file__).with_name("data") / "conversations.json"


PATHS = {"word checks (before)": remember_with_word_checks, "grounded (now)": remember}


def _labelled(fact: str, conversation: dict) -> bool:
    """Whether a stored fact is one of the conversation's labelled facts (stated, or corrected since)."""
    text = fact.lower()
    return any(word.lower() in text for word in [*conversation["expect"], *conversation["gone"]])


async def memory_quality(model, conversations: list[dict]) -> None:
    print(
        f"\n{len(conversations)} conversations, {sum(len(c['expect']) for c in conversations)} stated facts, "
        f"{sum(len(c['gone']) for c in conversations)} corrected values; each path on the same conversations"
    )
    print(
        f"{'memory kind, path':<34}{'stored':>8}{'corrected still held':>22}{'invented, used':>16}{'kept':>6}"
        f"{'held/left out':>15}{'failed writes':>15}{'time':>8}"
    )
    for memory_type in MEMORY_TYPES:
        kind = memory_kind(memory_type)
        for path, write in PATHS.items():
            found = stale = invented = kept = held = failed = 0
            started = time.perf_counter()
            for number, conversation in enumerate(conversations):
                store, user = InMemoryStore(), f"user-{number}"
                for text in conversation["turns"]:
                    try:
                        outcome = await write(store, model, user, memory_type, [HumanMessage(text)])
                    except ExtractionFailed:
                        failed += 1
                        continue
                    kept += len(outcome.repaired)
                    held += len(outcome.held)
                values = [item.value for item in await list_all(store, memory_namespace(user, memory_type))]
                shown = " ".join(kind.render_value(value) for value in values).lower()
                found += sum(word.lower() in shown for word in conversation["expect"])
                stale += sum(word.lower() in shown for word in conversation["gone"])
                invented += sum(not _labelled(f.text, conversation) for value in values for f in kind.facts(value))
            stated = sum(len(c["expect"]) for c in conversations)
            print(
                f"{memory_type + ', ' + path:<34}{found / stated:>8.0%}{stale:>22}{invented:>16}{kept:>6}{held:>15}"
                f"{failed:>15}{time.perf_counter() - started:>7.0f}s"
            )


async def main(runs: int, conversations: int) -> None:
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
    await memory_quality(model, json.loads(CONVERSATIONS.read_text())["conversations"][:conversations])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--conversations", type=int, default=1_000, help="how many of the scripted conversations")
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.conversations))
