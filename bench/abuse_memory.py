"""The `langgraph dev` server's resident memory under abuse, beside a quiet baseline, on one server.

    .venv/bin/python -m bench.abuse_memory [--threads 8] [--history-rounds 15] [--tiny]

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
     ``limits.BODY_BYTES``: expect 413); store puts of 60,000 characters, embedded then not, sent without waiting
     (expect 429 beyond the per-minute quota); runs queued behind a stalled run on one thread (expect 429
     beyond ``limits.QUEUED_RUNS``), cancelled at the end.
3. After: 30 s more of samples, to see whether the memory comes down.

Printed: baseline, peak, growth (MB and %), the resident memory 30 s after, the statuses per kind of request, and
the bound the limits imply for this abuse (see `bound_bytes`) with whether the peak stayed within it.
Printed, not asserted; `--tiny` is a smoke run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from agent import limits
from agent.client.sdk import ensure_assistant, user_says, wait_for_memory
from agent.memory.namespaces import MAX_VALUE_CHARS
from agent.server.tokens import mint
from agent.stores.embeddings import DIMS
from bench import shutdown
from bench.harness import Served, served

MB = 1024 * 1024
SAMPLE_SECONDS = 0.5
UPDATE_MESSAGE_CHARS = 19_000
UPDATE_MESSAGES = 2
UPDATE_CHARS = UPDATE_MESSAGE_CHARS * UPDATE_MESSAGES
TOOL_ARGS_CHARS = 200_000  # the body stays under limits.BODY_BYTES (262,144), so the server reads and parses it
PUT_CHARS = 60_000  # a stored value is at most MAX_VALUE_CHARS (65,536) characters of JSON
STALL_SECONDS = 20.0
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
    concurrency: int = 4  # the other refused requests sent at a time


FULL = Size(8, 15, 8, 40, 80, 240, limits.QUEUED_RUNS.default + 12, 5.0, 30.0)
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
            rss, self.processes = tree_rss(self.pid)
            self.samples.append((time.monotonic() - self._started, self.phase, rss))
            self._stop.wait(SAMPLE_SECONDS)

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

    def count(self, kind: str, status: int) -> int:
        return self.statuses.get(kind, Counter())[status]


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
            {"role": "user", "content": _text(f"{thread}-{n}-{i}", UPDATE_MESSAGE_CHARS)} for i in range(UPDATE_MESSAGES)
        ]
        response = await http.post(f"/threads/{thread}/state", json={"values": {"messages": messages}})
        tally.add("state update", response.status_code)
        refused += response.status_code == 413


async def read_histories(http: httpx.AsyncClient, threads: list[str], size: Size, tally: Tally) -> None:
    calls = [thread for _ in range(size.history_rounds) for thread in threads]

    async def reader() -> None:
        while calls:
            response = await http.get(f"/threads/{calls.pop()}/history", params={"limit": limits.HISTORY_STATES.default})
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
    """Embedded puts, then plain ones (``index: false``), each sent as soon as the last is answered, 429s or not."""
    todo = [("store put, embedded", n) for n in range(size.embedded_puts)]
    todo += [("store put, not embedded", n) for n in range(size.plain_puts)]
    todo.reverse()

    async def writer() -> None:
        while todo:
            kind, n = todo.pop()
            body: dict = {
                "namespace": ["memory", user, "collection"],
                "key": f"abuse-{kind[-3:]}-{n}",
                "value": {"content": _text(f"{kind} {n}", PUT_CHARS)},
            }
            if kind.endswith("not embedded"):
                body["index"] = False
            tally.add(kind, (await http.put("/store/items", json=body)).status_code)

    await asyncio.gather(*(writer() for _ in range(size.concurrency)))


async def queued_runs(running: Served, http: httpx.AsyncClient, assistant: str, size: Size, tally: Tally) -> None:
    """A run the model stalls on, then runs queued behind it on its thread; all cancelled at the end."""
    endpoint = running.endpoint
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
    - each other request in flight (``size.concurrency`` oversized runs, as many puts, one queued run) holds a body
      of at most ``limits.BODY_BYTES``, twice: its bytes and its JSON.
    The bound is twice their sum: the dev runtime's flush pickles what is kept (a copy of it while it writes), and
    freed memory need not go back to the system at once."""
    updates = limits.THREAD_CHARS.value() // UPDATE_CHARS
    parts = {
        "threads kept": size.threads * UPDATE_CHARS * updates * (updates + 1) // 2,
        "store kept": embedded_stored * (MAX_VALUE_CHARS + DIMS * 32) + plain_stored * MAX_VALUE_CHARS,
        "history in flight": size.history_concurrency
        * limits.HISTORY_STATES.value()
        * limits.THREAD_CHARS.value()
        * 2,
        "bodies in flight": (2 * size.concurrency + 1) * limits.BODY_BYTES.value() * 2,
    }
    parts["bound"] = 2 * sum(parts.values())
    return parts


# -- the run ----------------------------------------------------------------------------------------------------


@dataclass
class Result:
    baseline: int
    peak: int
    peak_filling: int
    after: int
    end_of_abuse: int
    processes: int
    tally: Tally
    bound: dict[str, int]
    seconds: float


async def abuse(size: Size) -> Result:
    with served("langgraph.json", latency=0.05) as running:
        assert running.server.pid is not None  # started
        user = f"abuser-{uuid.uuid4().hex[:6]}"
        client = running.client(user)
        headers = {"Authorization": f"Bearer {mint(user, secret=running.secret)}"} if running.secret else {}
        with Sampler(running.server.pid) as sampler:
            async with httpx.AsyncClient(base_url=running.server.url, headers=headers, timeout=300) as http:
                assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
                threads = []
                for i in range(size.threads):  # a normal turn on each: the thread is the chatbot's
                    thread = (await client.threads.create())["thread_id"]
                    await client.runs.wait(thread, assistant, input=user_says(f"I like quiet things, {i}."))
                    await wait_for_memory(client, thread)
                    threads.append(thread)
                sampler.phase = "quiet"
                await asyncio.sleep(size.quiet_seconds)
                tally = Tally()
                started = time.monotonic()
                sampler.phase = "filling"
                await asyncio.gather(*(fill_thread(http, thread, tally) for thread in threads))
                sampler.phase = "abuse"
                await asyncio.gather(
                    read_histories(http, threads, size, tally),
                    oversized_tool_calls(http, assistant, threads, size, tally),
                    store_puts(http, user, size, tally),
                    queued_runs(running, http, assistant, size, tally),
                )
                seconds = time.monotonic() - started
                end_of_abuse = sampler.samples[-1][2]
                sampler.phase = "after"
                await asyncio.sleep(size.after_seconds)
                after = sampler.samples[-1][2]
        bound = bound_bytes(
            size, tally.count("store put, embedded", 200), tally.count("store put, not embedded", 200)
        )
        return Result(
            baseline=int(statistics.median(sampler.of("quiet"))),
            peak=max(sampler.of("filling", "abuse", "after")),
            peak_filling=max(sampler.of("filling")),
            after=after,
            end_of_abuse=end_of_abuse,
            processes=sampler.processes,
            tally=tally,
            bound=bound,
            seconds=seconds,
        )


def report(size: Size, result: Result) -> None:
    growth = result.peak - result.baseline
    print(
        f"one user, {size.threads} threads; {size.history_rounds} history rounds, {size.history_concurrency} at a "
        f"time; the server's {result.processes} process(es); abuse took {result.seconds:.0f} s"
    )
    print(f"{'resident memory':>34} {'MB':>8}")
    print(f"{'baseline (quiet, median)':>34} {result.baseline / MB:>8.1f}")
    print(f"{'peak while filling threads':>34} {result.peak_filling / MB:>8.1f}")
    print(f"{'peak':>34} {result.peak / MB:>8.1f}")
    print(f"{'growth':>34} {growth / MB:>8.1f}  ({100 * growth / result.baseline:.1f}%)")
    print(f"{'at the end of the abuse':>34} {result.end_of_abuse / MB:>8.1f}")
    print(
        f"{f'{size.after_seconds:.0f} s after':>34} {result.after / MB:>8.1f}  "
        f"({(result.after - result.baseline) / MB:+.1f} over the baseline)"
    )
    print(f"\n{'request':>30} {'sent':>6}  statuses")
    for kind, statuses in result.tally.statuses.items():
        listed = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        print(f"{kind:>30} {sum(statuses.values()):>6}  {listed}")
    print("\nthe bound the limits imply (bench.abuse_memory.bound_bytes):")
    for part, value in result.bound.items():
        print(f"{part:>34} {value / MB:>8.1f} MB")
    held = "held" if growth <= result.bound["bound"] else "NOT held"
    print(f"peak growth {growth / MB:.1f} MB against a bound of {result.bound['bound'] / MB:.1f} MB: {held}")


async def main(size: Size) -> None:
    report(size, await abuse(size))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="smoke run: one thread, a few requests of each kind")
    parser.add_argument("--threads", type=int, help=f"threads filled (default {FULL.threads})")
    parser.add_argument("--history-rounds", type=int, help=f"history calls per thread (default {FULL.history_rounds})")
    parser.add_argument("--history-concurrency", type=int, help=f"at a time (default {FULL.history_concurrency})")
    args = parser.parse_args()
    chosen = TINY if args.tiny else FULL
    for name in ("threads", "history_rounds", "history_concurrency"):
        if getattr(args, name) is not None:
            setattr(chosen, name, getattr(args, name))
    shutdown.run(main(chosen))
