"""The server on Postgres + Redis with two replicas (`langgraph-runtime-pg`, `langgraph.pg.json`), real processes.

Writers of one user spread over both replicas; a replica killed in the middle of a memory write; a crash
of everything. The model is the scripted OpenAI-compatible endpoint; the store is langgraph's
AsyncPostgresStore with the project's pgvector index, served through `store.path`.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import threading
import time
import uuid

import psycopg
import pytest

from agent.client.sdk import connect, ensure_assistant, memories, send, user_says, wait_for_memory
from devtools.pg_cluster import FAST_UNSAFE
from devtools.pg_stack import PG_VENV, PgStack
from devtools.pg_supervision import group_alive
from tests.shared_data import HOBBIES
from tests.typed import state_values, thread_values

pytestmark = [pytest.mark.replicas, pytest.mark.postgres]


HEARTBEAT_SECONDS = 4  # a dead replica's run is handed over after ~2 heartbeats. With 2 s, a memory-writer run
# once reached attempt 2 while a benchmark loaded both cores: too tight for a live replica under load.


@pytest.fixture(scope="module")
def stack(endpoint, tmp_path_factory):
    if not (PG_VENV / "bin" / "langhost").exists():
        raise RuntimeError(f"{PG_VENV} is missing: `make venv-pg` builds it (`make test` does)")
    env = {"OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": "scripted-test-key"}
    with PgStack(
        tmp_path_factory.mktemp("pg-stack"),
        env,
        replicas=2,
        heartbeat_seconds=HEARTBEAT_SECONDS,
        postgres_settings=FAST_UNSAFE,
    ) as running:
        yield running


def _transcript(request: dict) -> str:
    """The conversation a memory writer sent to the model ('' for other requests), without existing memories."""
    flat = json.dumps(request.get("messages"))
    return flat.split("<conversation>", 1)[1].split("</conversation>", 1)[0] if "<conversation>" in flat else ""


def _extractions_saying(endpoint, since: int, text: str) -> int:
    """How many model requests after the ``since``-th extracted from a transcript holding ``text``."""
    return sum(text in _transcript(request) for request in endpoint.requests[since:])


async def _attempts(stack: PgStack, thread_id: str) -> dict[str, tuple[str, int]]:
    """run_id -> (status, attempts) of every run on a thread, from the runtime's own tables."""
    async with await psycopg.AsyncConnection.connect(stack.postgres.uri) as connection:
        cursor = await connection.execute(
            "SELECT r.run_id::text, r.status, coalesce(c.count, 0) FROM runs r "
            "LEFT JOIN retry_counters c ON c.run_id = r.run_id WHERE r.thread_id = %s",
            (thread_id,),
        )
        return {run_id: (status, attempts) for run_id, status, attempts in await cursor.fetchall()}


def _started_on(stack: PgStack, run_id: str) -> list[str]:
    """The replicas whose log says they started ``run_id``."""
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    return [
        replica.name
        for replica in stack.replicas
        if any(
            "Starting background run" in line and run_id in line
            for line in ansi.sub("", replica.log_path.read_text(errors="replace")).splitlines()
        )
    ]


async def test_sixteen_writers_of_one_user_across_replicas_keep_every_fact_once(stack, endpoint):
    user, since = f"pg-{uuid.uuid4().hex[:8]}", len(endpoint.requests)
    clients = [connect(url) for url in stack.urls]
    assistant = await ensure_assistant(clients[0], "profile", memory_delay_seconds=0.5)
    threads = [(await clients[i % 2].threads.create())["thread_id"] for i in range(len(HOBBIES))]

    await asyncio.gather(
        *(
            clients[i % 2].runs.wait(
                thread,
                assistant,
                input=user_says(f"I like {hobby}."),
                context={"user_id": user},
            )
            for i, (thread, hobby) in enumerate(zip(threads, HOBBIES, strict=True))
        )
    )
    for i, thread in enumerate(threads):
        await wait_for_memory(clients[i % 2], thread)

    profile = (await memories(clients[1], user, "profile"))[0]["value"]
    assert sorted(profile["interests"]) == sorted(HOBBIES)
    memory_thread = state_values(await clients[0].threads.get_state(threads[0]))["memory_write"]["thread_id"]
    runs = await _attempts(stack, memory_thread)
    assert len(runs) == len(HOBBIES) and set(runs.values()) == {("success", 1)}, runs
    extracted = {hobby: _extractions_saying(endpoint, since, f"I like {hobby}.") for hobby in HOBBIES}
    assert extracted == dict.fromkeys(HOBBIES, 1), "each message is extracted exactly once"
    executed_on = {name for run_id in runs for name in _started_on(stack, run_id)}
    assert executed_on == {"replica-0", "replica-1"}, "both replicas were expected to take memory writes"


async def test_sixteen_hot_path_writers_across_replicas_take_turns_and_keep_every_fact(stack):
    """Hot-path writes run inside chat runs on both replicas: only the write lease on the run queue orders them."""
    user = f"pg-{uuid.uuid4().hex[:8]}"
    clients = [connect(url) for url in stack.urls]
    assistant = await ensure_assistant(clients[0], "profile", write_mode="hot_path")
    threads = [(await clients[i % 2].threads.create())["thread_id"] for i in range(len(HOBBIES))]

    results = await asyncio.gather(
        *(
            clients[i % 2].runs.wait(
                thread,
                assistant,
                input=user_says(f"I like {hobby}."),
                context={"user_id": user},
            )
            for i, (thread, hobby) in enumerate(zip(threads, HOBBIES, strict=True))
        )
    )

    assert [r for r in results if "__error__" in r] == []
    [profile] = await memories(clients[1], user, "profile")
    assert sorted(profile["value"]["interests"]) == sorted(HOBBIES)


async def test_a_write_cut_by_sigkill_is_retried_on_the_other_replica_and_lands_once(stack, endpoint):
    user = f"pg-{uuid.uuid4().hex[:8]}"
    clients = [connect(url) for url in stack.urls]
    assistant = await ensure_assistant(clients[0], "collection", memory_delay_seconds=0)
    thread = (await clients[0].threads.create())["thread_id"]
    reached_the_model = threading.Event()

    def stall_the_extraction(request: dict) -> bool:
        if "I like kayaking." in _transcript(request):
            reached_the_model.set()
            return True
        return False

    endpoint.stall_seconds, endpoint.stall_if = 30, stall_the_extraction

    await send(clients[0], assistant, thread, user, "I like kayaking.")
    queued = state_values(await clients[0].threads.get_state(thread))["memory_write"]
    deadline = time.monotonic() + 60
    while not reached_the_model.is_set() or not _started_on(stack, queued["run_id"]):
        assert time.monotonic() < deadline, "the memory write never reached the model"
        await asyncio.sleep(0.2)
    [victim] = [r for r in stack.replicas if r.name in _started_on(stack, queued["run_id"])]
    survivor = next(r for r in stack.replicas if r is not victim)
    victim.stop(signal.SIGKILL)  # in the middle of the extraction: nothing written yet
    endpoint.stall_if = None

    try:
        await asyncio.wait_for(wait_for_memory(connect(survivor.url), thread), timeout=90)
        assert _started_on(stack, queued["run_id"]) == sorted([victim.name, survivor.name])
        assert (await _attempts(stack, queued["thread_id"]))[queued["run_id"]] == ("success", 2)
        stored = [i["value"]["content"] for i in await memories(connect(survivor.url), user, "collection")]
        assert [c for c in stored if "kayaking" in c] == ["The user enjoys kayaking."]
    finally:
        victim.start()  # same port, for the tests after this one


async def test_memories_vectors_and_threads_survive_a_crash_of_everything(stack):
    user = f"pg-{uuid.uuid4().hex[:8]}"
    client = connect(stack.urls[0])
    assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
    thread = (await client.threads.create())["thread_id"]
    await send(client, assistant, thread, user, "I'm Rita and I live in Vienna.")
    await wait_for_memory(client, thread)
    before = await memories(client, user, "collection")
    history = await client.threads.get_history(thread, limit=100)
    assert "Vienna" in str(before) and history

    for replica in stack.replicas:
        replica.stop(signal.SIGKILL)
    stack.redis.stop(signal.SIGKILL)
    stack.postgres.stop("immediate")  # no shutdown checkpoint: recovery replays the WAL
    stack.start()

    client = connect(stack.urls[1])
    assert await memories(client, user, "collection") == before
    assert await client.threads.get_history(thread, limit=100) == history
    assert [m["type"] for m in thread_values(await client.threads.get(thread))["messages"]] == ["human", "ai"]
    found = await client.store.search_items(["memory", user, "collection"], query="Which city is home?", limit=1)
    assert "Vienna" in found["items"][0]["value"]["content"] and found["items"][0]["score"] is not None
    reply = await send(client, assistant, (await client.threads.create())["thread_id"], user, "Which city is home?")
    assert "Vienna" in reply


def test_the_supervisor_refuses_a_second_stack_restarts_a_dead_replica_and_leaves_no_orphans(tmp_path):
    """`make serve-pg`'s supervisor, as an operator meets it: a second start on the same data directory is one
    line; a replica killed is started again on its port; a supervisor killed with SIGKILL leaves nothing running."""
    import os
    import subprocess
    import urllib.request

    from devtools.dev_server import PROJECT_ROOT

    def start() -> subprocess.Popen:
        return subprocess.Popen(
            [
                str(PG_VENV / "bin" / "python"),
                "-m",
                "devtools.pg_stack",
                "--replicas",
                "1",
                "--data-dir",
                str(tmp_path),
            ],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    lines: list[str] = []
    supervisor = start()
    assert supervisor.stdout is not None
    output_lines = supervisor.stdout
    threading.Thread(target=lambda: lines.extend(output_lines), daemon=True).start()

    def said(text: str, timeout: float = 240) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found := next((line for line in list(lines) if text in line), None):
                return found
            assert supervisor.poll() is None, "".join(lines)
            time.sleep(0.5)
        raise AssertionError(f"never said {text!r}:\n{''.join(lines)}")

    try:
        url = said("replica-0: ").split(": ", 1)[1].split(" ", 1)[0]
        said("Ctrl-C stops everything")
        second = start()
        output = second.communicate(timeout=60)[0]
        assert second.returncode != 0 and output.strip().startswith("error: a stack already runs on"), output
        assert len(output.strip().splitlines()) == 1, output

        record = json.loads((tmp_path / "stack.lock").read_text())
        replica_group = record["groups"][-1]
        os.killpg(replica_group, signal.SIGKILL)
        said("replica-0 had stopped; started it again on the same port")
        with urllib.request.urlopen(f"{url}/ok", timeout=10) as answer:
            assert answer.status == 200

        groups = json.loads((tmp_path / "stack.lock").read_text())["groups"]
        supervisor.kill()  # SIGKILL: no cleanup of its own
        supervisor.wait()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            any(group_alive(g) for g in groups) or (tmp_path / "postgres" / "data" / "postmaster.pid").exists()
        ):
            time.sleep(0.5)
        assert not any(group_alive(g) for g in groups), "Redis or a replica outlived its supervisor"
        assert not (tmp_path / "postgres" / "data" / "postmaster.pid").exists(), "PostgreSQL outlived it"
    finally:
        if supervisor.poll() is None:
            supervisor.terminate()
            supervisor.wait(timeout=60)
