"""Memory-writer threads: their ids, who owns which thread, and which server calls are the graph's own.

One thread per user and memory type serialises that user's memory writes (`agent.memory.queue.write_queue`).
With a server secret its id carries a MAC: only the server can compute one, and the server tells one
from any other id, even an id a client chose (`is_writer_thread_id`), and refuses clients any such thread.

Ownership lives in thread and assistant metadata that only the server writes (`agent.server.auth`):
``owner`` on what a user created, ``writer_of`` on a user's memory-writer threads.

The graph's own calls to the server are marked with a ContextVar (`as_graph`), which the auth handlers
read (`in_graph_call`) to tell them from a client's: no external request can set it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

from agent.secret import accepted_keys, configured

OWNER = "owner"  # threads and assistants: the user who created them
WRITER_OF = "writer_of"  # memory-writer threads: the user whose memory they write
RESERVED_METADATA = (OWNER, WRITER_OF)
MEMORY_GRAPH_ID = "memory_writer"

_UNSIGNED_NAMESPACE = uuid.UUID("5d1e9f4c-3b8a-4c3e-9a51-2f6f1d0b7e21")  # servers without auth (local config)
_graph_call: ContextVar[bool] = ContextVar("memory_chatbot_graph_call", default=False)


def in_graph_call() -> bool:
    """Whether the current request was made by the graph inside this server (never by a client)."""
    return _graph_call.get()


@contextlib.contextmanager
def as_graph() -> Iterator[None]:
    """Mark the server calls made inside this block as the graph's own (see `in_graph_call`)."""
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
    keys = accepted_keys() if configured() else []
    if not keys:
        return str(uuid.uuid5(_UNSIGNED_NAMESPACE, name.decode()))
    prefix = bytearray(_mac(keys[0], b"writer-thread\x00" + name))
    prefix[6] = (prefix[6] & 0x0F) | 0x40  # the version nibble of a random UUID
    return str(uuid.UUID(bytes=bytes(prefix) + _tag(keys[0], bytes(prefix))))


def is_writer_thread_id(thread_id: object) -> bool:
    """Whether ``thread_id`` is a memory-writer thread id made by this server (current or previous secret)."""
    if not configured():
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
