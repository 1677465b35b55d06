"""What memory writes changed, per chat thread: the "memory updated" notices a client shows after a reply.

One item per chat thread, under ("memory", <user>, "changes") with the thread's id as its key (writes with no
chat thread: ``NO_THREAD``): ``{"changes": [{"at", "change", "kind", "key", "fact"}, ...]}``, the newest
``MAX_CHANGES``, oldest first. ``change`` is one of ``CHANGES``. Any client reads it with the store API (a
client shows those after the last ``at`` it showed); it is the user's, so "forget everything" deletes it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from langgraph.store.base import BaseStore

from agent.stores.layout import space

NO_THREAD = "no-thread"
MAX_CHANGES = 50
MAX_FACT_CHARS = 300
"""A notice names its fact in at most this many characters: 50 notices stay far within one stored value's cap."""
CHANGES = ("remembered", "updated", "forgot", "held", "left_out", "rule")
"""A fact kept, a fact changed, a fact let go, a fact held for review, a fact or exchange a never-keep rule left
out (``fact`` is the rule), and a never-keep rule said in the chat."""


def namespace(user_id: str) -> tuple[str, ...]:
    return space(user_id).changes


def change(change: str, kind: str, key: str | None, fact: str) -> dict:
    assert change in CHANGES, change
    named = fact if len(fact) <= MAX_FACT_CHARS else fact[: MAX_FACT_CHARS - 1] + "…"
    return {"at": datetime.now(UTC).isoformat(), "change": change, "kind": kind, "key": key, "fact": named}


async def note(store: BaseStore, user_id: str, chat_thread_id: str | None, entries: list[dict]) -> None:
    """Add ``entries`` (made by ``change``) to the chat thread's notices (hold the user's write lock)."""
    if not entries:
        return
    key = chat_thread_id or NO_THREAD
    item = await store.aget(namespace(user_id), key)
    kept = since(item.value if item else None, None)
    await store.aput(namespace(user_id), key, {"changes": [*kept, *entries][-MAX_CHANGES:]}, index=False)


def since(value: object, after: str | None) -> list[dict]:
    """The notices in a stored value (any shape a client left it in) later than ``after`` (an ``at``; None: all),
    oldest first."""
    found = value.get("changes") if isinstance(value, dict) else None
    entries = [entry for entry in (found if isinstance(found, list) else []) if _well_formed(entry)]
    return [entry for entry in entries if after is None or str(entry.get("at", "")) > after]


def _well_formed(entry: object) -> bool:
    """A notice as ``change`` makes them: a client may write anything into its own, and none of it may grow the
    next write's value past the cap."""
    return (
        isinstance(entry, dict)
        and all(isinstance(v, str | None) and len(v or "") <= MAX_FACT_CHARS for v in entry.values())
        and len(entry) <= 8
    )
