"""The memory API the graphs call: recall what matters for a query, remember what messages teach, save writes.

The same code for every memory kind (`agent.memory.kinds`). A collection is never read whole: writing sees
the ``k`` items a search finds most relevant, answering as many of the most relevant as fit in the prompt's
character budget, so prompts stay bounded however many memories a user has.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage
from langgraph.store.base import BaseStore, Item, SearchItem

from agent import limits, prompts
from agent.memory import episodes, health, procedural
from agent.memory.guards import Write, losses, without_restatements
from agent.memory.history import save_with_history
from agent.memory.kinds import INSTRUCTIONS, MemoryKind, memory_kind
from agent.memory.namespaces import memory_namespace
from agent.memory.retrieval import rerank, search_memories
from agent.memory.support import unsupported
from agent.memory.timeline import stamp, unstamped
from agent.memory.writers import ExtractionFailed


def transcript(messages: Sequence[AnyMessage]) -> str:
    """The conversation as 'user: …' / 'assistant: …' lines, for the memory writers."""
    roles = {"human": "user", "ai": "assistant"}
    lines = [f"{roles[m.type]}: {m.text.strip()}" for m in messages if m.type in roles and m.text.strip()]
    return prompts.CONVERSATION.format(transcript="\n".join(lines))


def messages_after(messages: Sequence[AnyMessage], cursor: str | None) -> list[AnyMessage]:
    """The messages after the one with id ``cursor`` (all of them when it is unknown)."""
    ids = [m.id for m in messages]
    return list(messages[ids.index(cursor) + 1 :]) if cursor in ids else list(messages)


async def recall(store: BaseStore, user_id: str, memory_type: str, query: str, k: int) -> list[Item]:
    """The user's memories of ``memory_type`` that matter for ``query``: the document, or the top ``k`` items."""
    kind = memory_kind(memory_type)
    namespace = memory_namespace(user_id, memory_type)
    if kind.key is not None:
        item = await store.aget(namespace, kind.key)
        return [item] if item is not None else []
    return await search_memories(store, namespace, query, k)


MIN_ITEM_CHARS = 20  # a short memory's line ("The user likes tea."): how many items a budget can hold


def items_for_budget(budget: int) -> int:
    """How many of the most relevant items answering fetches to fill ``budget`` characters."""
    return max(budget // MIN_ITEM_CHARS, 1)


async def recall_for_prompt(store: BaseStore, user_id: str, memory_type: str, query: str, budget: int) -> list[Item]:
    """The user's memories for answering ``query``: the document, or enough of the most relevant items to fill
    ``budget``.

    ``MemoryKind.render`` (or ``fit``) then keeps, in order of relevance, those that fit.
    """
    return await recall(store, user_id, memory_type, query, items_for_budget(budget))


EXCERPTS_HEADING = "From earlier conversations (the user's words, and your replies):"


@dataclass
class Recalled:
    """What the answering prompt's memory section holds: facts and excerpts of past conversations."""

    facts: list[str] = field(default_factory=list)
    excerpts: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    """The stored items shown, facts and episodes, in the order they were chosen."""

    def text(self) -> str:
        if not self.excerpts:
            return "\n".join(self.facts) or prompts.NO_MEMORY
        blocks = ["\n".join(self.facts)] if self.facts else []
        return "\n\n".join([*blocks, EXCERPTS_HEADING + "\n" + "\n".join(self.excerpts)])


async def recall_for_answer(
    store: BaseStore, user_id: str, memory_type: str, query: str, budget: int, in_prompt: set[str]
) -> Recalled:
    """The memory section of the answering prompt, at most ``budget`` characters: the facts and the exchanges of
    past conversations (episodes) most relevant to ``query``, chosen together by relevance, not by a fixed split,
    and shown apart. Exchanges whose message is already in the prompt (``in_prompt``, ids) are left out; one
    trimmed from a long thread's prompt counts as past. A document (semantic, profile) leads and may take the
    whole budget; both searches read bounded pools, so the section costs the same at any number of episodes."""
    kind = memory_kind(memory_type)
    facts, found = await asyncio.gather(  # side by side; the query is embedded once for both
        recall_for_prompt(store, user_id, memory_type, query, budget),
        episodes.search(store, user_id, query, items_for_budget(budget)),
    )
    excerpts = [item for item in found if item.value.get("message_id") not in in_prompt]
    if kind.key is not None or not excerpts:
        ranked: list[Item] = [*facts, *rerank(query, excerpts)]
    else:
        ranked = [*rerank(query, [*(f for f in facts if isinstance(f, SearchItem)), *excerpts])]
    recalled, used = Recalled(), 0
    heading = len(EXCERPTS_HEADING) + 2
    if kind.key is not None and facts and (document := kind.render_value(facts[0].value)):
        recalled.facts.append(document if len(document) <= budget else document[: max(budget - 1, 0)] + "…")
        recalled.items.append(facts[0])
        used = len(recalled.facts[0])
        ranked = ranked[1:]
    for item in ranked:
        is_episode = tuple(item.namespace) == episodes.namespace(user_id)
        line = episodes.render(item) if is_episode else kind.render_value(item.value)
        cost = len(line) + 1 + (heading if is_episode and not recalled.excerpts else 0)
        if line and used + cost <= budget:
            (recalled.excerpts if is_episode else recalled.facts).append(line)
            recalled.items.append(item)
            used += cost
    return recalled


async def save(
    store: BaseStore,
    user_id: str,
    memory_type: str,
    writes: Sequence[Write],
    recorded_at: datetime | None = None,
    *,
    read: dict[str, dict] | None = None,
    provenance: dict | None = None,
) -> None:
    """Store ``writes`` (key, value; None deletes) of one write, each recorded in its memory's history.

    Collection items are stamped with when they were recorded: ``recorded_at``, the time of the
    conversation they come from (default: now); retrieval reads it. ``read``: the stored values the
    writer saw, refused (MemoryChanged) if one changed since. ``provenance``: source, chat thread, run.
    """
    if not writes:
        return
    kind = memory_kind(memory_type)
    if kind.key is None:
        writes = [(key, None if value is None else stamp(value, recorded_at)) for key, value in writes]
    index: Literal[False] | None = False if kind.key is not None else None  # documents are read by key, not searched
    await save_with_history(store, user_id, memory_type, writes, provenance or {}, index, read)


async def remember(
    store: BaseStore,
    model: BaseChatModel,
    user_id: str,
    memory_type: str,
    messages: Sequence[AnyMessage],
    k: int = 10,
    provenance: dict | None = None,
) -> Outcome:
    """Extract what ``messages`` teach about the user and save it with its history; returns what was done.

    The writer sees the existing memories relevant to what the user said (at most ``k`` items of
    a collection), so a restated fact patches its item instead of adding a duplicate; a new memory that
    restates a stored one is dropped. Before anything is saved, the model's write is checked fact by fact:
    a new fact the user's messages do not support is left out (``agent.memory.support``), and a stored fact
    it would drop that the user neither corrected nor retracted is kept (``agent.memory.guards``,
    ``agent.memory.edits``); both are recorded in the memory's history and in the outcome. What cannot be
    repaired (no choice made, a patch of a memory that does not exist) raises ExtractionFailed: nothing is
    written, and the caller keeps the messages for the next write. ``provenance`` (source, chat thread, run)
    is recorded with every version. Hold the user's write lock (``agent.memory.write_lock``) around this call.

    A conversation longer than half the prompt budget (a burst, or messages kept after failed writes) is
    read in windows of that size, oldest first, each its own extraction: every prompt stays bounded and
    no message is skipped.
    """
    outcome = Outcome()
    for window in windows(messages, limits.PROMPT_CHARS.value() // 2):
        done = await _remember_window(store, model, user_id, memory_type, window, k, provenance)
        outcome.writes += done.writes
        outcome.repaired += done.repaired
        outcome.unsupported += done.unsupported
    return outcome


async def remember_turn(
    store: BaseStore,
    model: BaseChatModel,
    user_id: str,
    memory_type: str,
    messages: Sequence[AnyMessage],
    k: int,
    provenance: dict,
    lock: Callable[[str], AbstractAsyncContextManager[Any]],
) -> str:
    """What one turn's messages teach: the exchanges themselves, kept as episodes (``agent.memory.episodes``);
    facts for ``memory_type`` and, when the user gave feedback about how the bot answers
    (``procedural.gives_instructions``), instructions, each written holding ``lock(kind)`` and recording the
    episodes they were drawn from; a note of what was done."""
    said = await episodes.record(store, user_id, messages, provenance.get("chat_thread_id"))
    provenance = {**provenance, "episodes": said or None}
    async with lock(memory_type):
        facts = await remember(store, model, user_id, memory_type, messages, k, provenance)
    notes = [facts.note()]
    if procedural.gives_instructions(messages):
        async with lock(INSTRUCTIONS.name):
            taught = await remember(store, model, user_id, INSTRUCTIONS.name, messages, k, provenance)
        notes.append(f"instructions: {taught.note()}")
    return "; ".join(notes)


def windows(messages: Sequence[AnyMessage], budget: int) -> list[list[AnyMessage]]:
    """``messages`` in consecutive groups of at most ``budget`` characters of text (a longer message alone)."""
    groups: list[list[AnyMessage]] = []
    used = budget + 1
    for message in messages:
        size = len(message.text)
        if used + size > budget:
            groups.append([])
            used = 0
        groups[-1].append(message)
        used += size
    return groups


@dataclass
class Outcome:
    """What one memory write did: what it saved, and how the model's proposal was changed first."""

    writes: list[Write] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    """Stored facts the model's write would have dropped, kept."""
    unsupported: list[str] = field(default_factory=list)
    """Facts the model proposed that the user never said, not stored."""

    def note(self) -> str:
        """One line for a run's state and a person: what was saved, kept and left out."""
        parts = [f"saved {len(self.writes)} change(s)"]
        if self.repaired:
            parts.append(f"kept {len(self.repaired)} fact(s) the model dropped ({'; '.join(self.repaired)})")
        if self.unsupported:
            parts.append(f"left out {len(self.unsupported)} the user never said ({'; '.join(self.unsupported)})")
        return ", ".join(parts)


async def _remember_window(
    store: BaseStore,
    model: BaseChatModel,
    user_id: str,
    memory_type: str,
    messages: Sequence[AnyMessage],
    k: int,
    provenance: dict | None,
) -> Outcome:
    kind = memory_kind(memory_type)
    said = "\n".join(m.text for m in messages if m.type == "human")
    existing = await recall(store, user_id, memory_type, said, k)
    read = {item.key: item.value for item in existing}
    known = {key: unstamped(value) for key, value in read.items()}
    try:
        proposed = await kind.writer.extract(model, transcript(messages), existing)
    except ExtractionFailed:
        await health.count(store, user_id, refusals=1)
        raise
    outcome = Outcome()
    writes = [(key, value) for key, value in proposed if value is None or known.get(key) != unstamped(value)]
    writes = _supported_only(kind, known, writes, said, outcome)
    writes = _repaired(kind, known, writes, said, outcome)
    writes = without_restatements(writes, known, kind.facts)
    outcome.writes = [(key, value) for key, value in writes if value is None or known.get(key) != unstamped(value)]
    recorded = {**(provenance or {}), "repaired": outcome.repaired or None, "unsupported": outcome.unsupported or None}
    await save(store, user_id, memory_type, outcome.writes, read=read, provenance=recorded)
    await health.count(store, user_id, writes=1, repairs=len(outcome.repaired), unsupported=len(outcome.unsupported))
    return outcome


def _supported_only(kind: MemoryKind, known: dict[str, dict], writes: list[Write], said: str, outcome: Outcome):
    """``writes`` without the new facts the user's words do not support."""
    checked: list[Write] = []
    for key, value in writes:
        stored = known.get(key)
        if value is None:
            checked.append((key, value))
            continue
        held = [fact.words for fact in kind.facts(stored)] if stored else []
        new = [fact for fact in kind.facts(value) if not any(fact.words <= words for words in held)]
        if rejected := unsupported(new, said):
            outcome.unsupported += [fact.text for fact in rejected]
            checked += kind.edits.without(key, stored, value, rejected)
        else:
            checked.append((key, value))
    return checked


def _repaired(kind: MemoryKind, known: dict[str, dict], writes: list[Write], said: str, outcome: Outcome):
    """``writes`` with every stored fact they would lose (neither corrected nor retracted) kept."""
    lost = losses(known, writes, kind.facts, said)
    repaired: list[Write] = []
    for key, value in writes:
        if facts := lost.get(key):
            outcome.repaired += [fact.text for fact in facts]
            repaired += kind.edits.keeping(key, known.get(key), value, facts)
        else:
            repaired.append((key, value))
    return repaired
