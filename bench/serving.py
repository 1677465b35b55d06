"""How `langgraph dev` serves a chat: behind a running memory write, and on the first turn after a start.

    .venv/bin/python -m bench.serving [--latency 1.0] [--turns 3] [--config langgraph.json]
        [--parts all|serving|fair-share|store-flood]

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
4. Store flood, printed beside 3 (`--parts fair-share` prints both; `--parts store-flood` this one alone): another
   user's `collection` turn (it embeds its question to search memory) while one user floods the store API with
   indexed puts (--store-writers at once, each put sent as soon as the last is answered, waiting out a 429's
   Retry-After), beside the same user's quiet turns, with the per-user store quota at its defaults and lifted;
   the model answers in --flood-latency s. The turns go on for --store-flood-seconds (65: past one minute of the
   quota, so the flooder's next minute of puts lands too) and at least --turns. Goal: the turn during the flood
   takes at most 1.5x a quiet one (p50); the worst turn is printed too.
The model is the tests' scripted OpenAI-compatible endpoint with a fixed latency per call.
Printed, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import time
import uuid
from dataclasses import dataclass

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


STORE_TEXT_CHARS = 1_900  # the embedder reads at most 2,000 characters of a text: a flood makes each put cost most
_WORDS = (
    "river morning garden letter window ticket orange violin harbour pepper silver meadow lantern cabin "
    "journey biscuit thunder pencil marble candle saddle forest painter kettle rocket velvet tunnel mirror"
).split()


def flood_text(seed: int) -> str:
    """About STORE_TEXT_CHARS characters of words, different for each seed (no put repeats another's text)."""
    pick = random.Random(seed)
    words: list[str] = [f"note {seed}:"]
    while sum(len(word) + 1 for word in words) < STORE_TEXT_CHARS:
        words.append(pick.choice(_WORDS))
    return " ".join(words)


async def _store_flood(client, user: str, writers: int, stop: asyncio.Event, counts: dict[str, int]) -> None:
    """Keep ``writers`` indexed puts of ``user``'s going until ``stop``: each writer sends its next put when the
    last is answered, and after a 429 waits its Retry-After first."""
    namespace = ["memory", user, "collection"]

    async def keep_putting(writer: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            seed = writer * 1_000_000 + n
            try:
                await client.store.put_item(namespace, f"flood-{seed}", {"content": flood_text(seed)})
                counts["stored"] += 1
            except (APIStatusError, httpx.HTTPStatusError) as error:
                if error.response.status_code != 429:
                    raise
                counts["429"] += 1
                with contextlib.suppress(TimeoutError):  # the flood stops while it waits, not a minute later
                    await asyncio.wait_for(stop.wait(), float(error.response.headers.get("retry-after", "1")))

    await asyncio.gather(*(keep_putting(writer) for writer in range(writers)))


QUOTA_LIFTED = {
    limits.STORE_WRITES.env: "1000000",
    limits.EMBEDDED_WRITES.env: "1000000",
    limits.STORE_ITEMS.env: "100000000",
}


@dataclass
class StoreFlood:
    quiet: list[float]
    during: list[float]
    refused: int
    stored: int
    seconds: float


async def store_flood(
    config: str, latency: float, turns: int, writers: int, lifted: bool, least_seconds: float
) -> StoreFlood:
    """A user's quiet collection turns, then their turns while another floods the store with indexed puts (at
    least ``turns`` of them, for at least ``least_seconds``), the flooder's 429s and puts stored."""
    with served(config, latency=latency, env=QUOTA_LIFTED if lifted else {}) as running:
        quiet_user, flooder = f"bench-{uuid.uuid4().hex[:6]}", f"flood-{uuid.uuid4().hex[:6]}"
        client, flooding = running.client(quiet_user), running.client(flooder)
        assistant = await ensure_assistant(client, "collection")
        warm_up = (await client.threads.create())["thread_id"]
        await _turn(client, assistant, warm_up, "I like warming up.")
        await wait_for_memory(client, warm_up)
        quiet = []
        for i in range(turns):
            thread = (await client.threads.create())["thread_id"]
            quiet.append(await _turn(client, assistant, thread, f"I like quiet{i}."))
            await wait_for_memory(client, thread)
        stop = asyncio.Event()
        counts = {"stored": 0, "429": 0}
        started = time.perf_counter()
        flooding_task = asyncio.create_task(_store_flood(flooding, flooder, writers, stop, counts))
        await asyncio.sleep(1.0)  # the flood is on
        during: list[float] = []
        while len(during) < turns or time.perf_counter() - started < least_seconds:
            thread = (await client.threads.create())["thread_id"]
            during.append(await _turn(client, assistant, thread, f"I like crowds{len(during)}."))
            await wait_for_memory(client, thread)
        stop.set()
        await flooding_task
        return StoreFlood(quiet, during, counts["429"], counts["stored"], time.perf_counter() - started)


def embedder_load_seconds() -> float:
    from agent.stores.embeddings import LocalEmbeddings

    start = time.perf_counter()
    LocalEmbeddings().embed_query("warm up")
    return time.perf_counter() - start


async def main(
    latency: float,
    turns: int,
    config: str,
    flood: int,
    flood_latency: float,
    store_writers: int,
    store_seconds: float,
    parts: str,
) -> None:
    if parts in ("all", "serving"):
        await serving(latency, turns, config)
    if parts in ("all", "fair-share"):
        await fairness(turns, config, flood, flood_latency)
    if parts in ("all", "fair-share", "store-flood"):
        await store_fairness(turns, config, store_writers, flood_latency, store_seconds)


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


async def store_fairness(turns: int, config: str, writers: int, flood_latency: float, least_seconds: float) -> None:
    print(
        f"\nstore flood: another user's collection turn while one user keeps {writers} indexed puts of "
        f"{STORE_TEXT_CHARS:,} characters going (turns for {least_seconds:.0f} s at least); model {flood_latency:.1f} s"
    )
    print(
        f"{'store quota':>26} {'quiet p50 (s)':>14} {'flooded p50 (s)':>16} {'ratio':>6} {'worst (s)':>10} "
        f"{'429s':>6} {'puts stored':>12} {'puts/s':>7}"
    )
    default = f"{limits.EMBEDDED_WRITES.default} embedded/min (default)"
    for lifted, label in ((False, default), (True, "none (1,000,000/min)")):
        flood = await store_flood(config, flood_latency, turns, writers, lifted, least_seconds)
        quiet, during = statistics.median(flood.quiet), statistics.median(flood.during)
        print(
            f"{label:>26} {quiet:>14.2f} {during:>16.2f} {during / quiet:>6.2f} {max(flood.during):>10.2f} "
            f"{flood.refused:>6} {flood.stored:>12} {flood.stored / flood.seconds:>7.1f}  ({len(flood.during)} turns)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per scripted model call")
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--config", default="langgraph.json", help="a config at the project's top, as shipped")
    parser.add_argument("--flood", type=int, default=30, help="runs one user keeps going at once")
    parser.add_argument("--flood-latency", type=float, default=2.0, help="seconds per model call in the flood")
    parser.add_argument("--store-writers", type=int, default=8, help="indexed puts one user keeps going at once")
    parser.add_argument(
        "--store-flood-seconds", type=float, default=65.0, help="the least time the store flood's turns go on"
    )
    parser.add_argument("--parts", choices=["all", "serving", "fair-share", "store-flood"], default="all")
    args = parser.parse_args()
    shutdown.run(
        main(
            args.latency,
            args.turns,
            args.config,
            args.flood,
            args.flood_latency,
            args.store_writers,
            args.store_flood_seconds,
            args.parts,
        )
    )
