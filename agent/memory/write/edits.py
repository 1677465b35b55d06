"""Changing a proposed write fact by fact: taking out what the user never said, putting back what it would lose.

Each shape of stored value has its own way (facts as `agent.memory.records.facts` splits them):
- a document (lines): an unsupported line is left out; a lost line is added back;
- a record (fields): an unsupported field value goes back to what was stored, an unsupported list entry is left
  out; a lost value is put back in its field, a lost list entry appended again;
- an item (one fact): an unsupported item is not written (the stored one stays); an item that would replace a
  stored fact is stored beside it under a new key instead, and a deletion the user did not ask for is dropped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent.memory.kinds import MemoryKind
from agent.memory.records.facts import Fact, document_facts
from agent.memory.records.history import Write

Edit = Callable[[str, dict | None, dict | None, Sequence[Fact]], list[Write]]
"""(key, the stored value or None, the proposed value or None, facts) -> the writes to make instead."""


@dataclass(frozen=True)
class FactEdits:
    without: Edit
    """The proposed write with these of its facts taken out."""
    keeping: Edit
    """The proposed write with these facts of the stored value kept."""


def _unchanged(key: str, stored: dict | None, value: dict) -> list[Write]:
    return [] if value == stored else [(key, value)]


def _document_without(key: str, stored: dict | None, proposed: dict | None, facts: Sequence[Fact]) -> list[Write]:
    if proposed is None:
        return [(key, None)]
    dropped = {fact.text for fact in facts}
    lines = [line for line in str(proposed.get("content", "")).splitlines() if _line_fact(line) not in dropped]
    return _unchanged(key, stored, {**proposed, "content": "\n".join(lines).strip()})


def _line_fact(line: str) -> str | None:
    found = document_facts({"content": line})
    return found[0].text if found else None


def _document_keeping(key: str, stored: dict | None, proposed: dict | None, facts: Sequence[Fact]) -> list[Write]:
    if proposed is None:
        return []  # the stored document stays
    content = "\n".join([str(proposed.get("content", "")).rstrip(), *(fact.text for fact in facts)]).strip()
    return _unchanged(key, stored, {**proposed, "content": content})


def _record_without(key: str, stored: dict | None, proposed: dict | None, facts: Sequence[Fact]) -> list[Write]:
    if proposed is None:
        return [(key, None)]
    value = dict(proposed)
    for fact in facts:
        if fact.single:
            value[fact.field] = (stored or {}).get(fact.field)
        else:
            value[fact.field] = [entry for entry in value.get(fact.field) or [] if entry != fact.entry]
    return _unchanged(key, stored, value)


def _record_keeping(key: str, stored: dict | None, proposed: dict | None, facts: Sequence[Fact]) -> list[Write]:
    value = dict(proposed if proposed is not None else stored or {})
    for fact in facts:
        if fact.single:
            value[fact.field] = fact.entry
        elif fact.entry not in (held := list(value.get(fact.field) or [])):
            value[fact.field] = [*held, fact.entry]
    return _unchanged(key, stored, value)


def _item_without(key: str, stored: dict | None, proposed: dict | None, facts: Sequence[Fact]) -> list[Write]:
    return [] if facts else [(key, proposed)]  # an item is one fact: unsupported, it is not written


def _item_keeping(key: str, stored: dict | None, proposed: dict | None, facts: Sequence[Fact]) -> list[Write]:
    if proposed is None:
        return []  # a deletion the user did not ask for
    return [(str(uuid.uuid4()), proposed)]  # the new fact beside the stored one, which stays as it is


DOCUMENT = FactEdits(_document_without, _document_keeping)
RECORD = FactEdits(_record_without, _record_keeping)
ITEM = FactEdits(_item_without, _item_keeping)
_BY_SHAPE = {"text": DOCUMENT, "record": RECORD, "items": ITEM}


def edits_for(kind: MemoryKind) -> FactEdits:
    """How a fact of ``kind`` is taken out of a proposed write or put back into it."""
    return _BY_SHAPE[kind.shape]
