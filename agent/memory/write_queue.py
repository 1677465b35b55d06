"""Queue memory writes on the platform: one memory-writer thread per user and memory type.

Runs on that thread are enqueued (`multitask_strategy="enqueue"`), so the platform executes one
user's writes one after another across all workers: no read-modify-write race can lose a fact.
A write waits `memory_delay_seconds`; when it starts and a later write is already queued, it
leaves its messages for that one, so a burst of messages costs one extraction.

The writer thread's id is derived from the user and memory type with the server's secret and
carries a MAC, so no client can compute one, and the server refuses clients any thread with such an id. Its calls to the server are marked with a ContextVar, which the
auth handlers (`agent.server.auth`) read to tell the graph's own calls from a client's.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import uuid
from collections.abc import Iterator, Sequence
from contextvars import ContextVar

from langchain_core.messages import AnyMessage
from langgraph_sdk import get_client

from agent.context import Context
from agent.server.ownership import WRITER_OF
from agent.server.tokens import SECRET_ENV, accepted_keys

MEMORY_GRAPH_ID = "memory_writer"
_UNSIGNED_NAMESPACE = uuid.UUID("5d1e9f4c-3b8a-4c3e-9a51-2f6f1d0b7e21")  # servers without auth (local config)
_graph_call: ContextVar[bool] = ContextVar("memory_chatbot_graph_call", default=False)


def in_graph_call() -> bool:
    """Whether the current request was made by `queue_write` inside this server (never by a client)."""
    return _graph_call.get()


@contextlib.contextmanager
def _as_graph() -> Iterator[None]:
    token = _graph_call.set(True)
    try:
        yield
    finally:
        _graph_call.reset(token)


def writer_thread_id(user_id: str, memory_type: str) -> str:
    """The id of the thread that serialises ``user_id``'s ``memory_type`` writes.

    With a server secret the id carries its own MAC: only the server can compute one, and the
    server can tell one from any other id (`is_writer_thread_id`), even an id a client chose.
    """
    name = f"{user_id}\x00{memory_type}".encode()
    keys = accepted_keys() if os.environ.get(SECRET_ENV) else []
    if not keys:
        return str(uuid.uuid5(_UNSIGNED_NAMESPACE, name.decode()))
    prefix = bytearray(_mac(keys[0], b"writer-thread\x00" + name))
    prefix[6] = (prefix[6] & 0x0F) | 0x40  # the version nibble of a random UUID
    return str(uuid.UUID(bytes=bytes(prefix) + _tag(keys[0], bytes(prefix))))


def is_writer_thread_id(thread_id) -> bool:
    """Whether ``thread_id`` is a memory-writer thread id made by this server (current or previous secret)."""
    if not os.environ.get(SECRET_ENV):
        return False
    try:
        raw = uuid.UUID(str(thread_id)).bytes
    except ValueError:
        return False
    return any(hmac.compare_digest(raw[8:], _tag(key, raw[:8])) for key in accepted_keys())


def _mac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()[:8]


def _tag(key: bytes, prefix: bytes) -> bytes:
    tag = bytearray(_mac(key, b"writer-thread-tag\x00" + prefix))
    tag[0] = (tag[0] & 0x3F) | 0x80  # the RFC 4122 variant bits
    return bytes(tag)


async def queue_write(ctx: Context, messages: Sequence[AnyMessage], chat_thread_id: str | None = None) -> dict:
    """Enqueue a memory-writer run for ``messages``; returns {"thread_id", "run_id"}."""
    client = get_client()  # in-process: the server this graph runs in, with the caller's identity
    # With auth on, the server stamps the owner itself; without, this metadata is all `forget` has.
    thread_id = writer_thread_id(ctx.user_id, ctx.memory_type)
    with _as_graph():
        await client.threads.create(
            thread_id=thread_id, if_exists="do_nothing", metadata={"purpose": "memory", "memory_type": ctx.memory_type, WRITER_OF: ctx.user_id}
        )
        run = await client.runs.create(
            thread_id,
            MEMORY_GRAPH_ID,
            input={"messages": [m.model_dump() for m in messages]},
            context=ctx.model_dump(include={"user_id", "memory_type", "model", "memory_top_k"}),
            metadata={"chat_thread_id": chat_thread_id} if chat_thread_id else None,
            multitask_strategy="enqueue",
            after_seconds=ctx.memory_delay_seconds,
        )
    return {"thread_id": thread_id, "run_id": run["run_id"]}


async def later_write_queued(thread_id: str, run_id: str | None) -> bool:
    """Whether another write waits on this memory thread (it will take this run's messages too)."""
    pending = await get_client().runs.list(thread_id, status="pending", limit=2)
    return any(run["run_id"] != run_id for run in pending)
