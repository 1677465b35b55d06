"""Background against hot-path memory writes, side by side on one `langgraph dev --n-jobs-per-worker 10`.

    .venv/bin/python bench/latency.py [--turns 5]

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
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from langgraph_sdk import get_client  # noqa: E402

from agent.client.sdk import ensure_assistant, wait_for_memory  # noqa: E402
from tests.scripted_openai import ScriptedOpenAI  # noqa: E402
from tests.server import dev_server  # noqa: E402

MEMORY_TYPE = "profile"


def _input(text: str) -> dict:
    return {"messages": [{"role": "user", "content": text}]}


async def turn_latency(client, endpoint, mode: str, turns: int) -> tuple[float, float]:
    """(median seconds per turn, median model calls during the run) for ``mode``."""
    assistant = await ensure_assistant(client, MEMORY_TYPE, write_mode=mode, memory_delay_seconds=0)
    user = f"bench-{uuid.uuid4().hex[:6]}"
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


async def extraction_growth(client, endpoint, message: str) -> dict[int, int]:
    """Extraction prompt characters at turns 2 and 20 of one thread; ``message`` takes the turn number."""
    assistant = await ensure_assistant(client, MEMORY_TYPE, memory_delay_seconds=0)
    user, thread = f"bench-{uuid.uuid4().hex[:6]}", (await client.threads.create())["thread_id"]
    sizes = {}
    for turn in range(1, 21):
        before = len(endpoint.extraction_requests())
        await client.runs.wait(thread, assistant, input=_input(message.format(turn)), context={"user_id": user})
        await wait_for_memory(client, thread)
        if turn in (2, 20):
            sizes[turn] = max(_prompt_chars(r) for r in endpoint.extraction_requests()[before:])
    return sizes


async def burst(client, endpoint, delay: float) -> int:
    """Extraction calls for 5 messages sent on one thread within a second."""
    assistant = await ensure_assistant(client, MEMORY_TYPE, memory_delay_seconds=delay)
    user, thread = f"bench-{uuid.uuid4().hex[:6]}", (await client.threads.create())["thread_id"]
    before = len(endpoint.extraction_requests())
    for i in range(5):
        await client.runs.create(thread, assistant, input=_input(f"I like burst{i}."), context={"user_id": user},
                                 multitask_strategy="enqueue")
        await asyncio.sleep(0.15)
    await client.runs.join(thread, (await client.runs.list(thread, limit=1))[0]["run_id"])
    await wait_for_memory(client, thread)
    return len(endpoint.extraction_requests()) - before


async def main(turns: int) -> None:
    with ScriptedOpenAI() as endpoint, tempfile.TemporaryDirectory() as workdir:
        env = {"OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": "bench"}
        with dev_server(Path(workdir), env, n_jobs_per_worker=10) as server:
            client = get_client(url=server.url)
            print(f"{'model latency':>14} {'mode':>11} {'turn (s)':>9} {'calls in run':>13} {'ratio':>7}")
            for latency in (0.3, 1.5):
                endpoint.latency = latency
                hot, hot_calls = await turn_latency(client, endpoint, "hot_path", turns)
                bg, bg_calls = await turn_latency(client, endpoint, "background", turns)
                print(f"{latency * 1000:>11.0f} ms {'hot_path':>11} {hot:>9.2f} {hot_calls:>13.0f} {'1.00':>7}")
                print(f"{latency * 1000:>11.0f} ms {'background':>11} {bg:>9.2f} {bg_calls:>13.0f} {bg / hot:>7.2f}")
            endpoint.latency = 0.0
            print(f"\n{'extraction prompt chars':<52} {'turn 2':>7} {'turn 20':>8} {'ratio':>6}")
            for label, message in [
                ("each turn updates one fact (memory stays one size)", "I live in Town{}."),
                ("each turn adds a fact (memory grows)", "I like pastime{}."),
            ]:
                sizes = await extraction_growth(client, endpoint, message)
                print(f"{label:<52} {sizes[2]:>7} {sizes[20]:>8} {sizes[20] / sizes[2]:>6.2f}")
            print()
            for delay in (0.0, 2.0):
                print(f"burst of 5 messages, memory_delay_seconds={delay}: {await burst(client, endpoint, delay)} extraction call(s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=5)
    asyncio.run(main(parser.parse_args().turns))
