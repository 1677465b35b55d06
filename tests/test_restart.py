"""State survives a crash of `langgraph dev --no-reload` once its persistence flush (every 10 s) has run.

The dev server's runtime (langgraph-runtime-inmem 0.36.7) forgets any store that is still empty at
its first flush, and never saves checkpoint history: `agent.dev_runtime.persistence` works around both.
Each crash comes once the files hold what the test wrote (read back as the next start loads them), never
after a wait on file times: the store is saved only after a write, so its file may be older than the crash.
"""

from __future__ import annotations

import pickle
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from agent.client.sdk import connect, ensure_assistant, memories, send, user_says, wait_for_memory
from agent.memory.kinds import STORED_KINDS
from agent.memory.manage import admin
from agent.memory.records.namespaces import memory_namespace
from agent.secret import SECRET_ENV
from agent.server.tokens import mint
from devtools.dev_server import DevServer, config_copy
from tests.refusals import refused
from tests.typed import state_values, thread_values

pytestmark = pytest.mark.server


SECRET = "restart-test-secret"


@dataclass(frozen=True)
class OnDisk:
    """What the dev server's last flush saved, as the next start will load it (``.langgraph_api/``)."""

    store: dict
    """namespace -> {key -> Item}"""
    vectors: dict
    """namespace -> {key -> {field -> vector}}"""
    threads: dict[str, dict]
    """thread id -> thread"""
    checkpoints: dict[str, set[str]]
    """thread id -> its saved checkpoint ids"""

    def items(self, namespace: tuple[str, ...]) -> list:
        return list(self.store.get(namespace, {}).values())

    def user_items(self, user: str) -> list:
        return [item for ns, held in self.store.items() if ns[:2] == ("memory", user) for item in held.values()]


class _ServerObject:
    """Stands in for an object of the server's own classes, which only load inside a configured server."""

    def __init__(self, *args, **kwargs) -> None:
        self.args = args

    def __setstate__(self, state) -> None:
        self.state = state


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if module.split(".")[0] in ("langgraph_api", "langgraph_runtime_inmem"):
            return _ServerObject
        return super().find_class(module, name)


def _load(path):
    """A file the runtime saved (it writes a temporary file and moves it into place), or None before the first."""
    try:
        with open(path, "rb") as saved:
            return _Unpickler(saved).load()
    except FileNotFoundError:
        return None


def on_disk(workdir) -> OnDisk:
    state = workdir / ".langgraph_api"
    ops = _load(state / ".langgraph_ops.pckl") or {}
    checkpoints = _load(state / ".langgraph_checkpoint.1.pckl") or {}  # thread -> namespace -> id -> checkpoint
    return OnDisk(
        store=_load(state / "store.pckl") or {},
        vectors=_load(state / "store.vectors.pckl") or {},
        threads={str(t["thread_id"]): t for t in ops.get("threads", [])},
        checkpoints={
            str(thread): {str(i) for by_ns in spaces.values() for i in by_ns} for thread, spaces in checkpoints.items()
        },
    )


def _crash(server: DevServer, workdir, saved: Callable[[OnDisk], bool], what: str, timeout: float = 90) -> None:
    """SIGKILL the server once ``saved`` holds of what its flush wrote (``what`` says what that is)."""
    deadline = time.monotonic() + timeout
    try:
        while not saved(disk := on_disk(workdir)):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{what} was not on disk within {timeout} s: store namespaces {sorted(disk.store)}, "
                    f"threads {sorted(disk.threads)}, checkpointed threads {sorted(disk.checkpoints)}"
                )
            time.sleep(0.5)
    finally:
        server.stop(signal.SIGKILL)


async def _checkpoint_id(client, thread: str) -> str:
    return (await client.threads.get_state(thread))["checkpoint"]["checkpoint_id"]


async def test_memories_history_and_forgetting_survive_sigkill(endpoint, tmp_path):
    env = {"OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": "scripted", SECRET_ENV: SECRET}
    config = config_copy(tmp_path, env)
    token = mint("rita", secret=SECRET)

    with DevServer(config, workdir=tmp_path, env=env) as first:
        client = connect(first.url, token)
        assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
        thread = (await client.threads.create())["thread_id"]
        await send(client, assistant, thread, "rita", "I'm Rita and I live in Vienna.")
        await wait_for_memory(client, thread)
        before = await memories(client, "rita", "collection")
        assert "Vienna" in str(before)
        keys, latest = {m["key"] for m in before}, await _checkpoint_id(client, thread)
        mine = memory_namespace("rita", "collection")

        def written(disk: OnDisk) -> bool:
            return (
                {item.key for item in disk.items(mine)} == keys
                and keys <= set(disk.vectors.get(mine, {}))
                and thread in disk.threads
                and latest in disk.checkpoints.get(thread, set())
            )

        _crash(first, tmp_path, written, "the memory, its vectors, the thread and its latest checkpoint")

    with DevServer(config, workdir=tmp_path, env=env) as second:
        client = connect(second.url, token)
        assert await memories(client, "rita", "collection") == before
        kept = await client.threads.get(thread)
        assert [m["type"] for m in thread_values(kept)["messages"]] == ["human", "ai"]
        assert [m["type"] for m in state_values(await client.threads.get_state(thread))["messages"]] == ["human", "ai"]
        assert await client.threads.get_history(thread, limit=10), "the checkpoint history is kept"
        # The restarted server still finds the memory by meaning (its vectors were kept too).
        reply = await send(
            client, assistant, (await client.threads.create())["thread_id"], "rita", "Which city is home?"
        )
        assert "Vienna" in reply
        await admin.forget_user(client, "rita")

        def forgotten(disk: OnDisk) -> bool:
            return not disk.user_items("rita") and not disk.threads

        _crash(second, tmp_path, forgotten, "the forgetting (no item of rita's, no thread)")

    with DevServer(config, workdir=tmp_path, env=env) as third:
        client = connect(third.url, token)
        assert await admin.list_memories(client, "rita") == {kind: [] for kind in STORED_KINDS}
        assert await client.threads.search(limit=10) == [], "forgotten threads stay forgotten"


async def test_writer_threads_stay_the_servers_after_the_secret_rotates(endpoint, tmp_path):
    """Made under a secret since dropped, a memory-writer thread's id carries no MAC the server checks: it is
    known by its metadata, and its owner may still read it but never copy, run on, change or re-create it."""
    env = {"OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": "scripted", SECRET_ENV: SECRET}
    config = config_copy(tmp_path, env)
    with DevServer(config, workdir=tmp_path, env=env) as first:
        client = connect(first.url, mint("rita", secret=SECRET))
        assistant = await ensure_assistant(client, "profile", memory_delay_seconds=0)
        chat = (await client.threads.create())["thread_id"]
        await send(client, assistant, chat, "rita", "I'm Rita.")
        await wait_for_memory(client, chat)
        writer = state_values(await client.threads.get_state(chat))["memory_write"]["thread_id"]
        profile = memory_namespace("rita", "profile")

        def written(disk: OnDisk) -> bool:
            return bool(disk.items(profile)) and {chat, writer} <= set(disk.threads)

        _crash(first, tmp_path, written, "the profile and the chat and writer threads")

    rotated = {**env, SECRET_ENV: "rotated-" + SECRET}  # the old secret dropped, no previous one kept
    with DevServer(config_copy(tmp_path, rotated), workdir=tmp_path, env=rotated) as second:
        token = mint("rita", secret=rotated[SECRET_ENV])
        client = connect(second.url, token)
        before = await client.threads.get_state(writer)  # its owner still reads it
        async with httpx.AsyncClient(base_url=second.url, headers={"Authorization": f"Bearer {token}"}) as http:
            assert (await http.post(f"/threads/{writer}/copy")).status_code == 403
        await refused(client.runs.create(writer, assistant, input=user_says("I'm Mallory.")))
        await refused(client.threads.update_state(writer, {"messages": [{"role": "user", "content": "I'm Mallory."}]}))
        await refused(client.threads.update(writer, metadata={"purpose": "chat"}))
        await refused(client.threads.create(thread_id=writer, if_exists="raise"))
        assert (await client.threads.get_state(writer))["values"] == before["values"]
        # New writes go to the writer thread of the new secret.
        await send(client, assistant, chat, "rita", "I live in Vienna.")
        await wait_for_memory(client, chat)
