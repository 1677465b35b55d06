"""How `langgraph dev` serves a chat: behind a running memory write, and on the first turn after a start.

    .venv/bin/python -m bench.serving [--latency 1.0] [--turns 3] [--config langgraph.json]

1. A chat turn sent 2.5 s after the previous reply, while that reply's memory write runs (the write
   waits `memory_delay_seconds`, 2 s, then makes one model call), beside an isolated turn, on a server
   with 1 job per worker (`langgraph dev`'s default) and with JOBS_PER_WORKER (what `make serve`,
   the demo and the tests start). Goal: the overlapped turn takes at most 1.2x an isolated one.
2. The first `collection` turn after the server starts, beside a warm turn; and what loading the
   embedder costs on its own (the server now pays it while starting).
3. Fair share: another user's chat turn while one user floods the server (--flood runs at once on as many
   threads, each sent again as soon as it ends or its 429's Retry-After passes), beside the same user's quiet
   turns, with the default per-user limit and with it lifted, side by side; the model answers in --flood-latency
   s. Goal: the turn during the flood takes at most 1.5x a quiet one (p50).
The model is the tests' scripted OpenAI-compatible endpoint with a fixed latency per call.
Printed, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

import httpx
from langgraph_sdk.errors import APIStatusError

from agent import limits
from agent.client.sdk import ensure_assistant, user_says, wait_for_memory
from bench import shutdown
from bench.harness import served
from devtools.dev_server import JOBS_PER_WORKER

GAP_SECONDS = 2.5


def _said(text: str) -> dict:
    return {"messages": [{"role": "user", "content": text}]}


async def _turn(client, assistant: str, thread: str, text: str) -> float:
    start = time.perf_counter()
    await client.runs.wait(thread, assistant, input=_said(text))
    return time.perf_counter() - start


async def _writer_running(client, chat_thread: str, seen: list[float], stop: asyncio.Event) -> None:
    """Record the moments at which the chat thread's memory write is running."""
    queued = (await client.threads.get_state(chat_thread))["values"]["memory_write"]
    while not stop.is_set():
        if (await client.runs.get(queued["thread_id"], queued["run_id"]))["status"] == "running":
            seen.append(time.perf_counter())
        await asyncio.sleep(0.05)


async def overlapped_turns(config: str, latency: float, jobs: int, turns: int) -> tuple[float, float, int]:
    """(median isolated turn, median turn sent while a memory write runs, turns that did overlap)."""
    with served(config, latency=latency, jobs=jobs) as running:
        user = f"bench-{uuid.uuid4().hex[:6]}"
        client = running.client(user)
        assistant = await ensure_assistant(client, "profile", memory_delay_seconds=2.0)
        isolated, overlapped, overlaps = [], [], 0
        warm_up = (await client.threads.create())["thread_id"]
        await _turn(client, assistant, warm_up, "I like warming up.")  # the server's first run pays its own start
        await wait_for_memory(client, warm_up)
        for i in range(turns):
            thread = (await client.threads.create())["thread_id"]
            isolated.append(await _turn(client, assistant, thread, f"I like quiet{i}."))
            await wait_for_memory(client, thread)
        for i in range(turns):
            thread = (await client.threads.create())["thread_id"]
            await _turn(client, assistant, thread, f"I like busy{i}.")
            seen: list[float] = []
            stop = asyncio.Event()
            watcher = asyncio.create_task(_writer_running(client, thread, seen, stop))
            await asyncio.sleep(GAP_SECONDS)
            start = time.perf_counter()
            overlapped.append(await _turn(client, assistant, thread, f"I like crowds{i}."))
            stop.set()
            await watcher
            overlaps += any(start <= moment <= start + overlapped[-1] for moment in seen)
            await wait_for_memory(client, thread)
        return statistics.median(isolated), statistics.median(overlapped), overlaps


async def first_turn(config: str, latency: float) -> tuple[float, float]:
    """(the first collection turn after a start, a warm turn) in seconds."""
    with served(config, latency=latency) as running:
        client = running.client(f"bench-{uuid.uuid4().hex[:6]}")
        assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
        first = await _turn(client, assistant, (await client.threads.create())["thread_id"], "I like tea.")
        warm = await _turn(client, assistant, (await client.threads.create())["thread_id"], "I like jam.")
        return first, warm


async def _flood(client, assistant: str, threads: int, stop: asyncio.Event, refused: list[int]) -> None:
    """Keep ``threads`` runs of one user going until ``stop``: each sent again when it ends or may retry."""

    async def keep_sending(thread: str) -> None:
        while not stop.is_set():
            try:
                await client.runs.wait(thread, assistant, input=user_says("I like floods."))
            except (APIStatusError, httpx.HTTPStatusError) as error:
                if error.response.status_code != 429:
                    raise
                refused.append(1)
                await asyncio.sleep(float(error.response.headers.get("retry-after", "1")))

    own = [(await client.threads.create())["thread_id"] for _ in range(threads)]
    await asyncio.gather(*(keep_sending(thread) for thread in own))


async def fair_share(
    config: str, latency: float, turns: int, flood: int, limit: int | None
) -> tuple[float, float, int]:
    """(p50 of a user's quiet turns, p50 of their turns while another floods, the flooder's 429s)."""
    env = {limits.ACTIVE_RUNS.env: str(limit)} if limit else {}
    with served(config, latency=latency, env=env) as running:
        quiet_user, flooder = f"bench-{uuid.uuid4().hex[:6]}", f"flood-{uuid.uuid4().hex[:6]}"
        client, flooding = running.client(quiet_user), running.client(flooder)
        assistant = await ensure_assistant(client, "profile")
        flood_assistant = await ensure_assistant(flooding, "profile")
        warm_up = (await client.threads.create())["thread_id"]
        await _turn(client, assistant, warm_up, "I like warming up.")
        await wait_for_memory(client, warm_up)
        quiet = []
        for i in range(turns):
            thread = (await client.threads.create())["thread_id"]
            quiet.append(await _turn(client, assistant, thread, f"I like quiet{i}."))
            await wait_for_memory(client, thread)
        stop = asyncio.Event()
        refused: list[int] = []
        flooding_task = asyncio.create_task(_flood(flooding, flood_assistant, flood, stop, refused))
        await asyncio.sleep(latency)  # the flood is on
        during = []
        for i in range(turns):
            thread = (await client.threads.create())["thread_id"]
            during.append(await _turn(client, assistant, thread, f"I like crowds{i}."))
        stop.set()
        await flooding_task
        return statistics.median(quiet), statistics.median(during), len(refused)


def embedder_load_seconds() -> float:
    from agent.stores.embeddings import LocalEmbeddings

    start = time.perf_counter()
    LocalEmbeddings().embed_query("warm up")
    return time.perf_counter() - start


async def main(latency: float, turns: int, config: str, flood: int, flood_latency: float, parts: str) -> None:
    if parts in ("all", "serving"):
        await serving(latency, turns, config)
    if parts in ("all", "fair-share"):
        await fairness(turns, config, flood, flood_latency)


async def serving(latency: float, turns: int, config: str) -> None:
    print(
        f"model latency {latency * 1000:.0f} ms per call; memory_delay_seconds 2 s; "
        f"next turn {GAP_SECONDS} s after a reply"
    )
    print(f"{'jobs per worker':>16} {'isolated (s)':>13} {'during write (s)':>17} {'ratio':>6} {'overlapped':>11}")
    for jobs in (1, JOBS_PER_WORKER):
        isolated, during, overlaps = await overlapped_turns(config, latency, jobs, turns)
        print(f"{jobs:>16} {isolated:>13.2f} {during:>17.2f} {during / isolated:>6.2f} {overlaps:>7}/{turns}")
    first, warm = await first_turn(config, latency)
    print(f"\nfirst collection turn after a start: {first:.2f} s; a warm turn: {warm:.2f} s; ratio {first / warm:.2f}")
    print(f"loading the embedder alone (now paid while the server starts): {embedder_load_seconds():.2f} s")


async def fairness(turns: int, config: str, flood: int, flood_latency: float) -> None:
    print(
        f"\nfair share: another user's turn while one user keeps {flood} runs going; model {flood_latency:.1f} s, "
        f"{JOBS_PER_WORKER} job slots"
    )
    print(f"{'per-user limit':>22} {'quiet p50 (s)':>14} {'flooded p50 (s)':>16} {'ratio':>6} {'429s':>6}")
    for limit, label in ((None, f"{limits.ACTIVE_RUNS.default} (default)"), (1_000, "none (1,000)")):
        quiet, during, refused = await fair_share(config, flood_latency, turns, flood, limit)
        print(f"{label:>22} {quiet:>14.2f} {during:>16.2f} {during / quiet:>6.2f} {refused:>6}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per scripted model call")
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--config", default="langgraph.json", help="a config at the project's top, as shipped")
    parser.add_argument("--flood", type=int, default=30, help="runs one user keeps going at once")
    parser.add_argument("--flood-latency", type=float, default=2.0, help="seconds per model call in the flood")
    parser.add_argument("--parts", choices=["all", "serving", "fair-share"], default="all")
    args = parser.parse_args()
    shutdown.run(main(args.latency, args.turns, args.config, args.flood, args.flood_latency, args.parts))
