"""A write's changes in plain words, fact by fact, for the "memory updated" notices
(`agent.memory.records.changes`): "remembered" a new fact, "updated" one whose field or item changed,
"forgot" one let go. Built from the kind's facts (`MemoryKind.facts`), never from the model's text."""

from __future__ import annotations

from collections.abc import Sequence

from agent.memory.kinds import MemoryKind
from agent.memory.records import changes
from agent.memory.records.history import Write
from agent.memory.records.timeline import unstamped


def described_changes(kind: MemoryKind, known: dict[str, dict], writes: Sequence[Write]) -> list[dict]:
    """The notices for ``writes`` over the stored values ``known`` (key -> value)."""
    notices: list[dict] = []
    for key, value in writes:
        before = kind.facts(unstamped(known[key])) if key in known else []
        after = kind.facts(unstamped(value)) if value is not None else []
        was = {fact.text for fact in before}
        now = {fact.text for fact in after}
        added = [fact for fact in after if fact.text not in was]
        gone = [fact for fact in before if fact.text not in now]
        replaced = {fact.field for fact in gone if fact.field} if kind.shape == "record" else set()
        if kind.shape == "items" and added and gone:  # one item is one fact: it was reworded or changed
            notices += [changes.change("updated", kind.name, key, fact.text) for fact in added]
            continue
        for fact in added:
            change = "updated" if fact.field and fact.field in replaced else "remembered"
            notices.append(changes.change(change, kind.name, key, fact.text))
        notices += [
            changes.change("forgot", kind.name, key, fact.text)
            for fact in gone
            if not (fact.field and fact.field in {f.field for f in added})
        ]
    return notices
