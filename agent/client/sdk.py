"""The SDK side of the chatbot: connect, find or create assistants, send messages, wait for memory writes.

A thin layer over langgraph-sdk, used by the command line (`python -m agent.client`), the demo, the
tests and the benchmarks. Any other langgraph-sdk client (Python or JavaScript) can do the same.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

import httpx
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from agent.client.errors import CommandFailed
from agent.memory.kinds import STORED_KINDS
from agent.memory.manage import admin

GRAPH_ID = "chatbot"
DEFAULT_URL = "http://127.0.0.1:2024"


class RunFailed(RuntimeError):
    """A run on the server ended in an error."""


async def probe(url: str) -> None:
    """Raise unless ``url`` answers like a LangGraph server (its health check, ``GET /ok``)."""
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{url.rstrip('/')}/ok")
    try:
        healthy = response.status_code == 200 and response.json().get("ok") is True
    except (ValueError, AttributeError):
        healthy = False
    if not healthy:
        raise CommandFailed(
            f"{url} answers, but not like a LangGraph server ({response.status_code} on /ok): "
            "pass --url with the address `make serve` printed"
        )


def connect(url: str = DEFAULT_URL, token: str | None = None) -> LangGraphClient:
    """An SDK client for ``url`` that sends ``token`` as its bearer token."""
    return get_client(url=url, headers={"Authorization": f"Bearer {token}"} if token else None)


async def wait_for_memory(client: LangGraphClient, chat_thread_id: str) -> str | None:
    """Block until every memory write queued from this chat thread has finished; what the last one did
    (saved, kept, left out), or raise if one failed.

    RunFailed says why: the memory-writer run's own error (a model error, a reply that made no choice, a
    patch of a memory that does not exist, ...) and what becomes of the messages (kept for the next write).

    In background mode a chat run returns before its memory is written; a new thread sees the
    memory once this returns. In hot-path mode the write is done when the run ends.
    """
    queued = await _value(client, chat_thread_id, "memory_write")
    if not queued:
        return await _value(client, chat_thread_id, "memory_note")  # hot-path mode, or nothing queued yet
    thread_id = queued["thread_id"]
    while True:
        runs = await client.runs.list(thread_id, limit=20)
        active = [r for r in runs if r["status"] in ("pending", "running")]
        if not active:
            break
        await client.runs.join(thread_id, active[0]["run_id"])  # newest first: earlier ones end before it
    ours = await client.runs.get(thread_id, queued["run_id"])
    latest = runs[0] if runs else ours
    for run in {ours["run_id"]: ours, latest["run_id"]: latest}.values():
        if run["status"] != "success":
            reason = await _value(client, thread_id, "error") or "no reason recorded"
            raise RunFailed(f"memory write {run['run_id']} ended with status {run['status']!r}: {reason}")
    return await _value(client, thread_id, "note")


async def _value(client: LangGraphClient, thread_id: str, key: str) -> Any:
    """One value of a thread's state (None when unset)."""
    values = (await client.threads.get_state(thread_id)).get("values")
    return values.get(key) if isinstance(values, dict) else None


async def ensure_assistant(
    client: LangGraphClient, memory_type: str, *, model: str | None = None, **settings: Any
) -> str:
    """The id of this project's assistant for ``memory_type`` with ``model`` and other context settings.

    Created on first use and found again by name afterwards.
    """
    context = {"memory_type": memory_type, **({"model": model} if model else {}), **settings}
    name = "-".join([GRAPH_ID, *(f"{k}={v}" for k, v in sorted(context.items()))])
    found = await client.assistants.search(graph_id=GRAPH_ID, metadata={"name": name}, limit=1)
    if found:
        return found[0]["assistant_id"]
    created = await client.assistants.create(
        graph_id=GRAPH_ID, name=name, context=context, metadata={"name": name, "memory_type": memory_type}
    )
    return created["assistant_id"]


def user_says(text: str) -> dict[str, Any]:
    """A run's input: one message from the user."""
    return {"messages": [{"role": "user", "content": text}]}


async def send(
    client: LangGraphClient,
    assistant_id: str,
    thread_id: str,
    user: str,
    text: str,
    out: TextIO = sys.stdout,
    *,
    context: dict[str, Any] | None = None,
    state: dict[str, Any] | None = None,
) -> str:
    """Send ``text`` as ``user`` on a thread (with more ``context`` for the run, and ``state`` for the thread),
    streaming the reply's tokens to ``out``; returns the reply."""
    reply: list[str] = []
    async for part in client.runs.stream(
        thread_id,
        assistant_id,
        input={**user_says(text), **(state or {})},
        context={**(context or {}), "user_id": user},
        stream_mode="messages-tuple",
    ):
        if part.event == "error":
            raise RunFailed(str(part.data.get("message") if isinstance(part.data, dict) else part.data))
        if part.event != "messages":
            continue
        chunk, metadata = part.data
        if metadata.get("langgraph_node") == "respond" and chunk.get("type", "").lower().startswith("ai"):
            token = chunk.get("content") or ""
            if isinstance(token, list):
                token = "".join(p.get("text", "") for p in token if isinstance(p, dict))
            reply.append(token)
            out.write(token)
            out.flush()
    out.write("\n")
    return "".join(reply)


async def memories(client: LangGraphClient, user: str, memory_type: str) -> list[dict]:
    """Every stored memory of ``user`` of ``memory_type``, read through the store API."""
    return await admin.stored_items(client, user, memory_type)


def print_memories(items: list[dict], memory_type: str, out: TextIO = sys.stdout) -> None:
    """The memories as a person reads them: each under its key (what `edit` and `delete` take)."""
    kind = STORED_KINDS.get(memory_type)
    out.write(f"  {memory_type} memory ({len(items)} stored):\n")
    for item in items:
        text = kind.render_value(item["value"]) if kind else str(item["value"])
        lines = text.splitlines() or ["(an empty document: nothing kept in it yet)"]
        out.write(f"    [{item['key']}] {lines[0]}\n")
        out.writelines(f"    {' ' * (len(item['key']) + 2)} {line}\n" for line in lines[1:])
