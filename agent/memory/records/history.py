"""Every memory's past versions, kept beside the memories and out of the answering path.

One history item per memory, under ("memory", user_id, "history", memory_type) with the memory's key:
not under the memory type's own namespace (whose prefix searches list memories and build prompts) and
never embedded (``index=False``), and no larger than any other stored value (the oldest versions go
first). Its value is ``{"key", "next", "versions"}``; a version is

    {"version": 7, "value": {...} or None (deleted), "valid_from": ISO time, "valid_until": ISO time or None,
     "source": "memory_writer" | "hot_path" | "page" | "cli", "chat_thread_id": ..., "run_id": ...,
     "restored_from": 3}

Like a fact in Zep, a superseded version is closed (``valid_until``) rather than erased; only the last
``MAX_VERSIONS`` of each memory are kept. A memory changed around this module (straight through the
store API) gets its unrecorded value added as a version of unknown source at the next recorded change.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from langgraph.store.base import BaseStore, GetOp, Item, PutOp

from agent.memory.records.namespaces import MAX_VALUE_CHARS, memory_namespace, without_nul
from agent.stores.layout import space

HISTORY = "history"
MAX_VERSIONS = 20

Write = tuple[str, dict | None]
"""A change to one memory: (key, new value); None deletes it."""


def history_namespace(user_id: str, memory_type: str) -> tuple[str, ...]:
    """Where the versions of one user's memories of one type are kept."""
    return space(user_id).history(memory_type)


def now() -> str:
    return datetime.now(UTC).isoformat()


def versions_of(history) -> list[dict]:
    """The well-formed versions of a history item's value, oldest first. A client can write its own history
    items through the store API; whatever is not a version (``{"version": <int>, "value": <dict or None>}``)
    is not one, and does not break the page, the writers or "forget"."""
    found = history.get("versions") if isinstance(history, dict) else None
    return [
        dict(v)
        for v in (found if isinstance(found, list) else [])
        if isinstance(v, dict) and type(v.get("version")) is int and isinstance(v.get("value"), (dict, type(None)))
    ]


def _next_number(history, versions: list[dict]) -> int:
    stated = history.get("next") if isinstance(history, dict) else None
    after_kept = max((v["version"] for v in versions), default=0) + 1
    return max(stated, after_kept) if type(stated) is int else after_kept


def with_version(
    history: dict | None, key: str, value: dict | None, *, current: dict | None, at: str, **provenance
) -> dict:
    """``history`` (a history item's value, or None) after ``value`` replaced ``current`` at ``at``."""
    versions = versions_of(history)
    number = _next_number(history, versions)
    if current != (versions[-1]["value"] if versions else None):  # written around the history
        versions.append(
            {"version": number, "value": current, "valid_from": None, "valid_until": None, "source": "unknown"}
        )
        number += 1
    if versions and versions[-1].get("valid_until") is None:
        versions[-1]["valid_until"] = at
    recorded = {name: detail for name, detail in provenance.items() if detail is not None}
    versions.append({"version": number, "value": value, "valid_from": at, "valid_until": None, **recorded})
    kept = versions[-MAX_VERSIONS:]
    while (
        len(kept) > 1
        and len(json.dumps({"key": key, "next": number + 1, "versions": kept}, default=str)) > MAX_VALUE_CHARS
    ):
        kept.pop(0)  # large memories keep fewer versions: a history is one value, within the cap
    return {"key": key, "next": number + 1, "versions": kept}


def find_version(history: dict | None, number: int) -> dict | None:
    """Version ``number`` of a history item's value, if it is still kept."""
    return next((v for v in versions_of(history) if v["version"] == number), None)


def _own_quotes(provenance: dict, key: str) -> dict:
    """``provenance`` for the version of memory ``key``: of quotes given by memory key, only its own."""
    quotes = provenance.get("quotes")
    return {**provenance, "quotes": quotes.get(key) or None} if isinstance(quotes, dict) else provenance


class MemoryChanged(RuntimeError):
    """A memory changed between the writer's read and its save (an edit); nothing was written."""


async def save_with_history(
    store: BaseStore,
    user_id: str,
    memory_type: str,
    writes: Sequence[tuple[str, dict | None]],
    provenance: dict,
    index: Literal[False] | None,
    read: dict[str, dict] | None = None,
) -> None:
    """Apply ``writes`` (a None value deletes) and record each as a new version of its memory.

    ``read`` holds the values the writer read: if a memory to be written holds anything else now (edited
    on the memory page or the command line meanwhile), MemoryChanged is raised and nothing is written.
    """
    namespace, past = memory_namespace(user_id, memory_type), history_namespace(user_id, memory_type)
    writes = [(key, without_nul(value)) for key, value in writes]
    keys = [key for key, _ in writes]
    results = await store.abatch([GetOp(namespace, key) for key in keys] + [GetOp(past, key) for key in keys])
    found = [item if isinstance(item, Item) else None for item in results]
    stored = [item.value if item else None for item in found[: len(keys)]]
    histories = found[len(keys) :]
    if read is not None and (changed := [k for k, now_ in zip(keys, stored, strict=True) if now_ != read.get(k)]):
        raise MemoryChanged(
            f"memory {', '.join(map(repr, changed))} changed while the model was writing (an edit?); "
            "nothing was written"
        )
    at, ops = now(), []
    for (key, value), current, history in zip(writes, stored, histories, strict=True):
        ops.append(PutOp(namespace, key, value, index=index))
        own = _own_quotes(provenance, key)
        recorded = with_version(history.value if history else None, key, value, current=current, at=at, **own)
        ops.append(PutOp(past, key, recorded, index=False))
    await store.abatch(ops)
