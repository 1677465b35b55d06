"""Facts held for the user's review: what a write proposed and the checks doubted, never used as a fact.

One item per doubted fact, under ("memory", <user>, "review"): the kind and the memory it would go to, the fact,
why it was held, and where the user's words behind it are (episodes and character spans, never a copy of the
words, so forgetting an exchange, episode retention and "forget everything" take them away here too). The same
fact proposed again updates its item (``times``), never adds a second. Not embedded, never in a prompt, never
listed as a memory, never exported as one. The user confirms it (written as a fact, the user its source), fixes
it (their own wording is written) or discards it (`agent.memory.manage.admin`); each decision is a version in the
history of the review item, and a confirmed fact is a version of its memory.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from langgraph.store.base import BaseStore, GetOp, Item, PutOp

from agent.memory.records.facts import Fact
from agent.memory.write.grounding import normalised
from agent.stores.layout import space

REVIEW = "review"
_KEYS = uuid.UUID("3c1d2a8e-51f4-4f0e-9a57-0b8a7c2e9d41")


def namespace(user_id: str) -> tuple[str, ...]:
    """Where a user's held facts wait: ("memory", <user>, "review")."""
    return space(user_id).review


def review_key(memory_type: str, fact: str) -> str:
    """The same key for the same fact of a kind, however it is cased or punctuated."""
    return str(uuid.uuid5(_KEYS, f"{memory_type}\x00{normalised(fact)}"))


@dataclass
class Held:
    """One fact a write proposed and the checks doubted."""

    memory_type: str
    key: str
    """The memory it would be written into (a new item's key, for a collection)."""
    fact: Fact
    reason: str
    quotes: list[dict] = field(default_factory=list)
    """Where the user's words behind it are: [{"episode", "start", "end"}] (or {"said"} with no episode)."""
    value: dict | None = None
    """For a kind of one fact per item: the item the write proposed."""
    replaces: str | None = None
    """The stored fact it would replace (a correction), taken out when it is confirmed."""

    def as_value(self, at: str) -> dict[str, Any]:
        return {
            "memory_type": self.memory_type,
            "key": self.key,
            "fact": self.fact.text,
            "field": self.fact.field or None,
            "entry": self.fact.entry,
            "single": self.fact.single,
            "value": self.value,
            "replaces": self.replaces,
            "reason": self.reason,
            "quotes": self.quotes,
            "held_at": at,
            "times": 1,
        }


async def hold(store: BaseStore, user_id: str, held: list[Held]) -> None:
    """Keep ``held`` for review; a fact already waiting gets the newer reason and words (hold the write lock)."""
    if not held:
        return
    where = namespace(user_id)
    keys = [review_key(h.memory_type, h.fact.text) for h in held]
    found = await store.abatch([GetOp(where, key) for key in keys])
    at = datetime.now(UTC).isoformat(timespec="seconds")
    ops = []
    for key, item, fact in zip(keys, found, held, strict=True):
        value = fact.as_value(at)
        if isinstance(item, Item) and isinstance(item.value, dict):
            before = item.value
            times = before["times"] if isinstance(before.get("times"), int) else 1
            value = {**value, "held_at": before.get("held_at") or at, "times": times + 1, "last_held_at": at}
        ops.append(PutOp(where, key, value, index=False))
    await store.abatch(ops)


def confirmed_value(stored: dict | None, held: dict, text: str | None = None) -> dict:
    """The memory's value once the held fact is confirmed (in the user's own words ``text``, when they fixed it):
    an item (one fact each) becomes the proposed item; a record's field takes the value (a list field gains it);
    a document gains the line, without the line it corrects."""
    if isinstance(held.get("value"), dict):  # one fact per item
        return {**held["value"], **({"content": text} if text is not None else {})}
    field_name = held.get("field")
    if field_name:
        value = dict(stored or {})
        entry = text if text is not None else held.get("entry")
        if held.get("single", True):
            value[field_name] = entry
        else:
            value[field_name] = [*(e for e in value.get(field_name) or [] if e != entry), entry]
        return value
    replaced = normalised(str(held.get("replaces") or "")) or None
    lines = [line for line in str((stored or {}).get("content") or "").splitlines() if normalised(line) != replaced]
    lines.append(text if text is not None else str(held.get("fact") or ""))
    return {**(stored or {}), "content": "\n".join(line for line in lines if line.strip())}
