"""Background against hot-path memory writes, side by side on one `langgraph dev --n-jobs-per-worker 10`.

    .venv/bin/python -m bench.latency [--turns 5] [--growth-turns 20] [--config langgraph.json]

The model is the scripted OpenAI-compatible endpoint of the tests with a fixed latency per call
(300 ms, then 1,500 ms), so the figures isolate the graph's structure from any real model.
Printed, not asserted:
- per-turn `runs.wait` latency and model calls made while the chat run was in flight;
- model prompt characters of the memory extraction at turn 2 and turn 20 of one thread;
- extraction calls for a burst of 5 messages sent within a second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid

from agent.client.sdk import ensure_assistant, wait_for_memory
from bench import shutdown
from bench.harness import served

MEMORY_TYPE = "profile"


def _input(text: str) -> dict:
    return {"messages": [{"role": "user", "content": text}]}


def _fresh_user(running):
    """A new user (and a client signed in as them): each measurement starts from no memory."""
    user = f"bench-{uuid.uuid4().hex[:6]}"
    return user, running.client(user)


async def turn_latency(running, mode: str, turns: int) -> tuple[float, float]:
    """(median seconds per turn, median model calls during the run) for ``mode``."""
    user, client = _fresh_user(running)
    endpoint = running.endpoint
    assistant = await ensure_assistant(client, MEMORY_TYPE, write_mode=mode, memory_delay_seconds=0)
    seconds, calls = [], []
    for i in range(turns):
        thread = (await client.threads.create())["thread_id"]
        before = len(endpoint.requests)
        start = time.perf_counter()
        await client.runs.wait(thread, assistant, input=_input(f"I like hobby{i}."), context={"user_id": user})
        seconds.append(time.perf_counter() - start)
        calls.append(len(endpoint.requests) - before)
        await wait_for_memory(client, thread)  # the next turn starts from a quiet server
    return statistics.median(seconds), statistics.median(calls)


def _prompt_chars(request: dict) -> int:
    return sum(len(json.dumps(m.get("content"))) for m in request["messages"])


async def extraction_growth(running, message: str, last: int) -> dict[int, int]:
    """Extraction prompt characters at turn 2 and turn ``last`` of one thread; ``message`` takes the turn number."""
    user, client = _fresh_user(running)
    endpoint = running.endpoint
    assistant = await ensure_assistant(client, MEMORY_TYPE, memory_delay_seconds=0)
    thread = (await client.threads.create())["thread_id"]
    sizes = {}
    for turn in range(1, last + 1):
        before = len(endpoint.extraction_requests())
        await client.runs.wait(thread, assistant, input=_input(message.format(turn)), context={"user_id": user})
        await wait_for_memory(client, thread)
        if turn in (2, last):
            sizes[turn] = max(_prompt_chars(r) for r in endpoint.extraction_requests()[before:])
    return sizes


async def burst(running, delay: float) -> int:
    """Extraction calls for 5 messages sent on one thread within a second."""
    user, client = _fresh_user(running)
    endpoint = running.endpoint
    assistant = await ensure_assistant(client, MEMORY_TYPE, memory_delay_seconds=delay)
    thread = (await client.threads.create())["thread_id"]
    before = len(endpoint.extraction_requests())
    for i in range(5):
        await client.runs.create(
            thread,
            assistant,
            input=_input(f"I like burst{i}."),
            context={"user_id": user},
            multitask_strategy="enqueue",
        )
        await asyncio.sleep(0.15)
    await client.runs.join(thread, (await client.runs.list(thread, limit=1))[0]["run_id"])
    await wait_for_memory(client, thread)
    return len(endpoint.extraction_requests()) - before


async def main(turns: int, growth_turns: int, config: str) -> None:
    with served(config) as running:
        endpoint = running.endpoint
        print(f"{'model latency':>14} {'mode':>11} {'turn (s)':>9} {'calls in run':>13} {'ratio':>7}")
        for latency in (0.3, 1.5):
            endpoint.latency = latency
            hot, hot_calls = await turn_latency(running, "hot_path", turns)
            bg, bg_calls = await turn_latency(running, "background", turns)
            print(f"{latency * 1000:>11.0f} ms {'hot_path':>11} {hot:>9.2f} {hot_calls:>13.0f} {'1.00':>7}")
            print(f"{latency * 1000:>11.0f} ms {'background':>11} {bg:>9.2f} {bg_calls:>13.0f} {bg / hot:>7.2f}")
        endpoint.latency = 0.0
        print(f"\n{'extraction prompt chars':<52} {'turn 2':>7} {f'turn {growth_turns}':>8} {'ratio':>6}")
        for label, message in [
            ("each turn updates one fact (memory stays one size)", "I live in Town{}."),
            ("each turn adds a fact (memory grows)", "I like pastime{}."),
        ]:
            sizes = await extraction_growth(running, message, growth_turns)
            print(f"{label:<52} {sizes[2]:>7} {sizes[growth_turns]:>8} {sizes[growth_turns] / sizes[2]:>6.2f}")
        print()
        for delay in (0.0, 2.0):
            print(
                f"burst of 5 messages, memory_delay_seconds={delay}: {await burst(running, delay)} extraction call(s)"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--growth-turns", type=int, default=20, help="turns of the prompt-growth thread (at least 2)")
    parser.add_argument("--config", default="langgraph.json", help="a config at the project's top, as shipped")
    args = parser.parse_args()
    shutdown.run(main(args.turns, max(args.growth_turns, 2), args.config))
