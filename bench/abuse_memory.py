"""The `langgraph dev` server's resident memory under abuse, beside a quiet baseline, on one server.

    .venv/bin/python -m bench.abuse_memory [--threads 8] [--rounds 3] [--history-rounds 50] [--tiny]

One server serves `langgraph.json` as shipped (auth on, 10 job slots, the scripted model at 0.05 s a call). Its
resident memory (VmRSS of the server process and every process under it, from /proc) is sampled every 0.5 s.

1. Quiet: one signed-in user has a normal chat turn on each of --threads threads (its memory write waited for);
   the server is then sampled idle for a few seconds: the baseline is the median of those samples.
2. Abuse, by the same user, all of it things the server now bounds:
   - thread state updates (`POST /threads/{id}/state`), each 2 user messages of 19,000 characters (the most one
     update may add: 40,000 characters of a run's input), on every thread at once, each thread's updates sent
     until it answers 413 (the thread is full: ``limits.THREAD_CHARS``), then 2 more;
   - then, at once: the history of those threads (`GET /threads/{id}/history?limit=10`, the most states one
     answer may hold), --history-rounds rounds over every thread, --history-concurrency requests at a time;
     runs whose input holds a tool call with 200,000 characters of arguments (a body just under
     ``limits.BODY_BYTES``: expect 413); store puts of 60,000 characters, the embedded ones all at once, then plain
     ones 4 at a time, never waiting (expect 429 beyond the per-minute quotas); runs queued behind a stalled run
     on one thread (expect 429 beyond ``limits.QUEUED_RUNS``), cancelled at the end.
   --rounds rounds (3): each round after the first does it all again on --threads fresh threads, each with a
   normal turn first (no limit bounds how many threads a user has), its puts a minute after the last round's
   (the store quota's next minute); --embedded-at-once N sends the embedded puts N at a time instead of all at once;
   --server-env NAME=VALUE adds to the server's environment (MALLOC_ARENA_MAX=2, say).
3. After: 30 s more of samples, to see whether the memory comes down.

`--recount-storm ITEMS` measures one thing instead, on a server of its own: a user keeping ITEMS items of 60,000
characters sends 60 embedded puts at once (what the default quota lets through), first while the server's count of
their items is fresh, then once it is a minute old and every put recounts (`agent.server.store_quota._items`).

Printed: baseline, peak, growth (MB and %), the resident memory 30 s after, the statuses per kind of request, and
the bound the limits imply for this abuse (see `bound_bytes`) with whether the peak stayed within it.
Printed, not asserted; `--tiny` is a smoke run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from agent import limits
from agent.client.sdk import ensure_assistant, user_says, wait_for_memory
from agent.memory.records.namespaces import MAX_VALUE_CHARS
from agent.server.tokens import mint
from agent.stores.embeddings import DIMS
from bench import shutdown
from bench.harness import Served, served

MB = 1024 * 1024
SAMPLE_SECONDS = 0.5
TIMELINE_SECONDS = 2.5  # the printed timeline's step
UPDATE_MESSAGE_CHARS = 19_000
UPDATE_MESSAGES = 2
UPDATE_CHARS = UPDATE_MESSAGE_CHARS * UPDATE_MESSAGES
TOOL_ARGS_CHARS = 200_000  # the body stays under limits.BODY_BYTES (262,144), so the server reads and parses it
PUT_CHARS = 60_000  # a stored value is at most MAX_VALUE_CHARS (65,536) characters of JSON
STALL_SECONDS = 20.0
QUOTA_MINUTE_SECONDS = 61.0  # a round's puts start once the last round's are out of the store quota's window
# One quiet turn is a long message (a pasted paragraph): the embedder reads up to 2,000 characters of its question,
# and the working memory torch keeps for its longest input (some 17 MB here) belongs in the quiet baseline.
LONG_MESSAGE = "I like long walks. " + "The river path by the old mill is my favourite in the autumn. " * 34
HOLD = "hold on, abuse"


@dataclass
class Size:
    threads: int
    history_rounds: int
    history_concurrency: int
    tool_runs: int
    embedded_puts: int
    plain_puts: int
    queued_runs: int
    quiet_seconds: float
    after_seconds: float
    rounds: int = 1
    """Each round after the first fills fresh threads and does it all again, a minute after the last began."""
    embedded_at_once: int = 0
    """Embedded puts in flight at once (0: all of them)."""
    concurrency: int = 4  # the other refused requests sent at a time


FULL = Size(8, 50, 8, 40, 80, 240, limits.QUEUED_RUNS.default + 12, 5.0, 30.0, rounds=3)
TINY = Size(1, 2, 1, 3, limits.EMBEDDED_WRITES.default + 3, 0, limits.QUEUED_RUNS.default + 2, 2.0, 3.0)


# -- resident memory --------------------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])  # the fields after the command's name: state, ppid, ...
        found.setdefault(parent, []).append(int(entry.name))
    return found


def tree_rss(pid: int) -> tuple[int, int]:
    """(bytes resident, processes) of ``pid`` and every process under it: VmRSS from /proc/<pid>/status."""
    children = _children()
    total, count, todo = 0, 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
                count += 1
    return total, count


class Sampler:
    """Samples the server's resident memory every SAMPLE_SECONDS in a thread of its own (the benchmark's event
    loop is busy sending), each sample labelled with the phase it fell in."""

    def __init__(self, pid: int):
        self.pid = pid
        self.phase = "start"
        self.samples: list[tuple[float, str, int]] = []
        self.processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = time.monotonic()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(SAMPLE_SECONDS)

    def sample(self) -> int:
        rss, self.processes = tree_rss(self.pid)
        self.samples.append((time.monotonic() - self._started, self.phase, rss))
        return rss

    def enter(self, phase: str) -> int:
        """Sample the phase that ends, then label the samples ``phase`` from now on; the sample taken."""
        rss = self.sample()
        self.phase = phase
        return rss

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def of(self, *phases: str) -> list[int]:
        return [rss for _, phase, rss in list(self.samples) if phase in phases]


# -- the abuse --------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    statuses: dict[str, Counter[int]] = field(default_factory=dict)

    def add(self, kind: str, status: int) -> None:
        self.statuses.setdefault(kind, Counter())[status] += 1

    def stored(self, kind: str) -> int:
        """How many requests of ``kind`` succeeded (2xx)."""
        return sum(n for status, n in self.statuses.get(kind, Counter()).items() if 200 <= status < 300)


def _text(tag: str, chars: int) -> str:
    """``chars`` characters, different for each tag (no message repeats another's)."""
    head = f"{tag} "
    return head + ("abcdefghij klmnopqrs tuvwxyz " * (chars // 29 + 1))[: chars - len(head)]


async def fill_thread(http: httpx.AsyncClient, thread: str, tally: Tally) -> None:
    """State updates of UPDATE_MESSAGES messages until the thread answers 413, then 2 more."""
    refused, n = 0, 0
    while refused < 3 and n < 100:
        n += 1
        messages = [
            {"role": "user", "content": _text(f"{thread}-{n}-{i}", UPDATE_MESSAGE_CHARS)}
            for i in range(UPDATE_MESSAGES)
        ]
        response = await http.post(f"/threads/{thread}/state", json={"values": {"messages": messages}})
        tally.add("state update", response.status_code)
        refused += response.status_code == 413


async def read_histories(http: httpx.AsyncClient, threads: list[str], size: Size, tally: Tally) -> None:
    calls = [thread for _ in range(size.history_rounds) for thread in threads]

    async def reader() -> None:
        while calls:
            response = await http.get(
                f"/threads/{calls.pop()}/history", params={"limit": limits.HISTORY_STATES.default}
            )
            tally.add("history", response.status_code)

    await asyncio.gather(*(reader() for _ in range(size.history_concurrency)))


async def oversized_tool_calls(http: httpx.AsyncClient, assistant: str, threads: list[str], size: Size, tally: Tally):
    call = {"name": "search", "args": {"q": "x" * TOOL_ARGS_CHARS}, "id": "call_1"}
    messages = [{"role": "assistant", "content": "", "tool_calls": [call]}, {"role": "user", "content": "Hi"}]
    body = {"assistant_id": assistant, "input": {"messages": messages}}
    todo = list(range(size.tool_runs))

    async def sender() -> None:
        while todo:
            thread = threads[todo.pop() % len(threads)]
            tally.add("run, oversized tool call", (await http.post(f"/threads/{thread}/runs", json=body)).status_code)

    await asyncio.gather(*(sender() for _ in range(size.concurrency)))


async def store_puts(http: httpx.AsyncClient, user: str, size: Size, tally: Tally) -> None:
    """Embedded puts all at once (or ``size.embedded_at_once`` at a time), then plain ones (``index: false``),
    ``size.concurrency`` at a time, each sent as soon as the last is answered; 429s or not."""

    async def put(kind: str, n: int) -> None:
        body: dict = {
            "namespace": ["memory", user, "collection"],
            "key": f"abuse-{kind[-3:]}-{n}-{uuid.uuid4().hex[:6]}",
            "value": {"content": _text(f"{kind} {n}", PUT_CHARS)},
        }
        if kind.endswith("not embedded"):
            body["index"] = False
        tally.add(kind, (await http.put("/store/items", json=body)).status_code)

    async def writer(kind: str, todo: list[int]) -> None:
        while todo:
            await put(kind, todo.pop())

    embedded = list(range(size.embedded_puts))[::-1]
    await asyncio.gather(
        *(writer("store put, embedded", embedded) for _ in range(size.embedded_at_once or size.embedded_puts))
    )
    plain = list(range(size.plain_puts))[::-1]
    await asyncio.gather(*(writer("store put, not embedded", plain) for _ in range(size.concurrency)))


async def queued_runs(running: Served, http: httpx.AsyncClient, assistant: str, size: Size, tally: Tally) -> None:
    """A run the model stalls on, then runs queued behind it on its thread; all cancelled at the end."""
    endpoint: Any = running.endpoint  # its fault-injection attributes are typed by their defaults (None)
    endpoint.stall_seconds, endpoint.stall_if = STALL_SECONDS, lambda request: HOLD in json.dumps(request)
    thread = (await http.post("/threads", json={})).json()["thread_id"]
    try:
        first = await http.post(f"/threads/{thread}/runs", json={"assistant_id": assistant, "input": user_says(HOLD)})
        tally.add("run, the stalled one", first.status_code)
        for n in range(size.queued_runs):
            queued = await http.post(
                f"/threads/{thread}/runs",
                json={"assistant_id": assistant, "input": user_says(f"next {n}"), "multitask_strategy": "enqueue"},
            )
            tally.add("run, queued on a busy thread", queued.status_code)
    finally:
        endpoint.stall_if = None
        for run in (await http.get(f"/threads/{thread}/runs", params={"limit": 100})).json():
            if run["status"] in ("pending", "running"):
                await http.post(f"/threads/{thread}/runs/{run['run_id']}/cancel")


# -- the bound --------------------------------------------------------------------------------------------------


def bound_bytes(size: Size, embedded_stored: int, plain_stored: int) -> dict[str, int]:
    """What the limits let this abuse make the server hold at once, in bytes (ASCII text: a byte a character).

    - each thread keeps every version of its messages (a checkpoint per update): updates of UPDATE_CHARS until
      ``limits.THREAD_CHARS``, so UPDATE_CHARS x (1 + 2 + ... + n) for the n updates a thread takes;
    - each stored put keeps its value (at most MAX_VALUE_CHARS) and, embedded, a vector of DIMS floats (a Python
      list: 8 bytes of pointer and 24 of float object each); the per-minute quota bounds how many are stored;
    - each history answer in flight holds up to ``limits.HISTORY_STATES`` states of at most ``limits.THREAD_CHARS``
      each, twice: the states' messages and their JSON;
    - each other request in flight (``size.concurrency`` oversized runs and one queued run, each a body of at most
      ``limits.BODY_BYTES``; every embedded put at once, each a value of at most MAX_VALUE_CHARS) twice: its bytes
      and its JSON.
    The bound is twice their sum: the dev runtime's flush pickles what is kept (a copy of it while it writes), and
    freed memory need not go back to the system at once. With ``size.rounds`` rounds, the threads of every round
    are kept. To that comes the embedder's working memory (``embedder_bytes``), which no limit sizes."""
    updates = limits.THREAD_CHARS.value() // UPDATE_CHARS
    parts = {
        "threads kept": size.rounds * size.threads * UPDATE_CHARS * updates * (updates + 1) // 2,
        "store kept": embedded_stored * (MAX_VALUE_CHARS + DIMS * 32) + plain_stored * MAX_VALUE_CHARS,
        "history in flight": size.history_concurrency * limits.HISTORY_STATES.value() * limits.THREAD_CHARS.value() * 2,
        "bodies in flight": ((size.concurrency + 1) * limits.BODY_BYTES.value() + size.embedded_puts * MAX_VALUE_CHARS)
        * 2,
    }
    data = sum(parts.values())
    parts["embedder's working memory"] = embedder_bytes()
    parts["bound"] = 2 * data + parts["embedder's working memory"]
    return parts


EMBED_WORKING_BYTES = 10 * MB
"""What one thread running the embedder on its longest input (2,000 characters) keeps afterwards, measured: 60
embedded puts at once grew a quiet server by 54 MB, 18 MB with MALLOC_ARENA_MAX=1 (glibc's malloc keeps an arena per
thread, each holding on to what torch freed in it)."""


def embedder_bytes() -> int:
    """The embedder runs in asyncio's default executor (``asyncio.to_thread``), min(32, cores + 4) threads, each of
    which may come to hold EMBED_WORKING_BYTES."""
    return min(32, (os.cpu_count() or 1) + 4) * EMBED_WORKING_BYTES


# -- the run ----------------------------------------------------------------------------------------------------


@dataclass
class Result:
    baseline: int
    rounds: list[tuple[int, int]]
    """Each round's peak and the resident memory at its end."""
    after: int
    processes: int
    tally: Tally
    bound: dict[str, int]
    seconds: float
    samples: list[tuple[float, str, int]]

    @property
    def peak(self) -> int:
        return max(rss for _, phase, rss in self.samples if phase not in ("start", "quiet"))


async def _chat_threads(client, assistant: str, count: int, first: str | None = None) -> list[str]:
    """``count`` threads, each with a normal chat turn (the thread is then the chatbot's), memory written."""
    threads = []
    for i in range(count):
        thread = (await client.threads.create())["thread_id"]
        said = first if i == 0 and first else f"I like quiet things, {i}."
        await client.runs.wait(thread, assistant, input=user_says(said))
        await wait_for_memory(client, thread)
        threads.append(thread)
    return threads


async def abuse(size: Size, env: dict[str, str]) -> Result:
    with served("langgraph.json", latency=0.05, env=env) as running:
        assert running.server.pid is not None  # started
        user = f"abuser-{uuid.uuid4().hex[:6]}"
        client = running.client(user)
        headers = {"Authorization": f"Bearer {mint(user, secret=running.secret)}"} if running.secret else {}
        with Sampler(running.server.pid) as sampler:
            async with httpx.AsyncClient(
                base_url=running.server.url, headers=headers, timeout=600, limits=httpx.Limits(max_connections=200)
            ) as http:
                assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
                threads = await _chat_threads(client, assistant, size.threads, LONG_MESSAGE)
                sampler.enter("quiet")
                await asyncio.sleep(size.quiet_seconds)
                tally = Tally()
                started = time.monotonic()
                rounds: list[tuple[int, int]] = []
                last_burst = 0.0
                for n in range(1, size.rounds + 1):
                    if n > 1:  # fresh threads (a user may have as many as they like), in the store quota's next minute
                        threads = await _chat_threads(client, assistant, size.threads)
                        await asyncio.sleep(max(0.0, last_burst + QUOTA_MINUTE_SECONDS - time.monotonic()))
                    sampler.enter(f"round {n}")
                    await asyncio.gather(*(fill_thread(http, thread, tally) for thread in threads))
                    last_burst = time.monotonic()
                    await asyncio.gather(
                        read_histories(http, threads, size, tally),
                        oversized_tool_calls(http, assistant, threads, size, tally),
                        store_puts(http, user, size, tally),
                        queued_runs(running, http, assistant, size, tally),
                    )
                    end = sampler.enter(f"after {n}" if n < size.rounds else "after")
                    rounds.append((max(sampler.of(f"round {n}")), end))
                seconds = time.monotonic() - started
                await asyncio.sleep(size.after_seconds)
                after = sampler.enter("done")
        bound = bound_bytes(size, tally.stored("store put, embedded"), tally.stored("store put, not embedded"))
        return Result(
            baseline=int(statistics.median(sampler.of("quiet"))),
            rounds=rounds,
            after=after,
            processes=sampler.processes,
            tally=tally,
            bound=bound,
            seconds=seconds,
            samples=list(sampler.samples),
        )


def report(size: Size, result: Result) -> None:
    growth = result.peak - result.baseline
    print(
        f"one user, {size.rounds} round(s) of {size.threads} threads; {size.history_rounds} history calls a thread, "
        f"{size.history_concurrency} at a time; embedded puts {size.embedded_at_once or 'all'} at once; "
        f"the server's {result.processes} process(es); abuse took {result.seconds:.0f} s"
    )
    print(f"{'resident memory':>34} {'MB':>8}")
    print(f"{'baseline (quiet, median)':>34} {result.baseline / MB:>8.1f}")
    for n, (peak, end) in enumerate(result.rounds, 1):
        print(
            f"{f'round {n}: peak, at its end':>34} {peak / MB:>8.1f}  {end / MB:>8.1f}  "
            f"({(peak - result.baseline) / MB:+.1f}, {(end - result.baseline) / MB:+.1f})"
        )
    print(f"{'peak':>34} {result.peak / MB:>8.1f}")
    print(f"{'growth':>34} {growth / MB:>8.1f}  ({100 * growth / result.baseline:.1f}%)")
    print(
        f"{f'{size.after_seconds:.0f} s after':>34} {result.after / MB:>8.1f}  "
        f"({(result.after - result.baseline) / MB:+.1f} over the baseline)"
    )
    print(f"\nresident memory (MB) every {TIMELINE_SECONDS} s, by phase:")
    phases = list(dict.fromkeys(phase for _, phase, _ in result.samples if phase not in ("start", "done")))
    for phase in phases:
        shown, next_at = [], -1.0
        for at, label, rss in result.samples:
            if label == phase and at >= next_at:
                shown.append(f"{rss / MB:.0f}")
                next_at = at + TIMELINE_SECONDS - SAMPLE_SECONDS / 2
        print(f"{phase:>10}: {' '.join(shown)}")
    print(f"\n{'request':>30} {'sent':>6}  statuses")
    for kind, statuses in result.tally.statuses.items():
        listed = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        print(f"{kind:>30} {sum(statuses.values()):>6}  {listed}")
    print("\nthe bound the limits imply (bench.abuse_memory.bound_bytes):")
    for part, value in result.bound.items():
        print(f"{part:>34} {value / MB:>8.1f} MB")
    held = "held" if growth <= result.bound["bound"] else "NOT held"
    print(f"peak growth {growth / MB:.1f} MB against a bound of {result.bound['bound'] / MB:.1f} MB: {held}")


# -- the store's item count, recounted by every put at once ----------------------------------------------------

RECOUNT_BURST = limits.EMBEDDED_WRITES.default  # the embedded puts the default quota lets one user send at once
PRELOAD_LIFTED = {limits.STORE_WRITES.env: "1000000", limits.EMBEDDED_WRITES.env: "1000000"}


async def recount_storm(items: int, env: dict[str, str]) -> list[tuple[str, int, int, int, float]]:
    """A user keeping ``items`` items of PUT_CHARS sends RECOUNT_BURST embedded puts at once: while the server's
    count of their items is fresh, and once it is a minute old (``store_quota.RECOUNT_SECONDS``). The rate quotas
    are lifted only to load the items quickly (at the default 240 a minute they take a few minutes); the item
    count is checked as shipped. (label, before, peak, 10 s after, seconds) per burst."""
    with served("langgraph.json", latency=0.05, env={**PRELOAD_LIFTED, **env}) as running:
        assert running.server.pid is not None  # started
        user = f"keeper-{uuid.uuid4().hex[:6]}"
        headers = {"Authorization": f"Bearer {mint(user, secret=running.secret)}"} if running.secret else {}
        figures = []
        with Sampler(running.server.pid) as sampler:
            async with httpx.AsyncClient(
                base_url=running.server.url, headers=headers, timeout=600, limits=httpx.Limits(max_connections=200)
            ) as http:

                async def put(key: str, index: bool | None = None, chars: int = PUT_CHARS) -> None:
                    body: dict = {
                        "namespace": ["memory", user, "collection"],
                        "key": key,
                        "value": {"content": _text(key, chars)},
                    }
                    if index is False:
                        body["index"] = False
                    (await http.put("/store/items", json=body)).raise_for_status()

                await asyncio.gather(*(put(f"warm-{n}", chars=2_000) for n in range(RECOUNT_BURST)))  # counted here
                todo = list(range(items))

                async def loader() -> None:
                    while todo:
                        await put(f"kept-{todo.pop()}", index=False)

                await asyncio.gather(*(loader() for _ in range(4)))
                await asyncio.sleep(5.0)
                for label, wait in (("count fresh", 0.0), ("count a minute old", QUOTA_MINUTE_SECONDS + 1)):
                    await asyncio.sleep(wait)
                    before = sampler.enter(label)
                    started = time.monotonic()
                    await asyncio.gather(*(put(f"{label}-{n}") for n in range(RECOUNT_BURST)))
                    seconds = time.monotonic() - started
                    await asyncio.sleep(10.0)
                    after = sampler.enter("between")
                    figures.append((label, before, max(sampler.of(label)), after, seconds))
        return figures


def report_recount(items: int, figures: list[tuple[str, int, int, int, float]]) -> None:
    print(
        f"\n{RECOUNT_BURST} embedded puts at once by a user keeping {items + RECOUNT_BURST:,} items "
        f"({items:,} of {PUT_CHARS:,} characters)"
    )
    print(f"{'':>20} {'before (MB)':>12} {'peak (MB)':>10} {'10 s after (MB)':>16} {'puts took (s)':>14}")
    for label, before, peak, after, seconds in figures:
        print(f"{label:>20} {before / MB:>12.0f} {peak / MB:>10.0f} {after / MB:>16.0f} {seconds:>14.1f}")


async def main(size: Size, env: dict[str, str], recount_items: int) -> None:
    if env:
        print(f"the server's environment adds {', '.join(f'{k}={v}' for k, v in env.items())}")
    if recount_items:
        report_recount(recount_items, await recount_storm(recount_items, env))
        return
    report(size, await abuse(size, env))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="smoke run: one thread, a few requests of each kind")
    parser.add_argument("--threads", type=int, help=f"threads filled (default {FULL.threads})")
    parser.add_argument(
        "--history-rounds", type=int, help=f"history calls a thread, each round (default {FULL.history_rounds})"
    )
    parser.add_argument("--history-concurrency", type=int, help=f"at a time (default {FULL.history_concurrency})")
    parser.add_argument("--after-seconds", type=float, help=f"sampled after (default {FULL.after_seconds:.0f})")
    parser.add_argument("--rounds", type=int, help=f"the abuse again on fresh threads (default {FULL.rounds})")
    parser.add_argument("--embedded-at-once", type=int, help="embedded puts in flight at once (default: all)")
    parser.add_argument("--embedded-puts", type=int, help=f"each round (default {FULL.embedded_puts}; 0: none)")
    parser.add_argument("--plain-puts", type=int, help=f"each round (default {FULL.plain_puts}; 0: none)")
    parser.add_argument(
        "--recount-storm",
        type=int,
        default=0,
        metavar="ITEMS",
        help="instead: a user keeping ITEMS items sends 60 embedded puts at once, the count fresh and a minute old",
    )
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="NAME=VALUE", help="add to the server's environment"
    )
    args = parser.parse_args()
    chosen = TINY if args.tiny else FULL
    for name in (
        "threads",
        "history_rounds",
        "history_concurrency",
        "after_seconds",
        "rounds",
        "embedded_at_once",
        "embedded_puts",
        "plain_puts",
    ):
        if getattr(args, name) is not None:
            setattr(chosen, name, getattr(args, name))
    shutdown.run(main(chosen, dict(setting.split("=", 1) for setting in args.server_env), args.recount_storm))
