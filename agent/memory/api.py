"""The memory API the graphs call: recall what matters for a query, and save writes with their history (what a
turn's messages teach is written by `agent.memory.write.turn`).

The same code for every memory kind (`agent.memory.kinds`). A collection is never read whole: writing sees
the ``k`` items a search finds most relevant, answering as many of the most relevant as fit in the prompt's
character budget, so prompts stay bounded however many memories a user has.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from langchain_core.messages import AnyMessage
from langgraph.store.base import BaseStore, Item, SearchItem

from agent import prompts
from agent.memory.kinds import memory_kind
from agent.memory.records import episodes
from agent.memory.records.history import Write, save_with_history
from agent.memory.records.namespaces import memory_namespace
from agent.memory.records.retrieval import rerank, search_memories
from agent.memory.records.timeline import stamp


def messages_after(messages: Sequence[AnyMessage], cursor: str | None) -> list[AnyMessage]:
    """The messages after the one with id ``cursor`` (all of them when it is unknown), with the bot's message just
    before them: a "yes" answers the bot's question, and the memory write must read what it answers. (It is read
    as context only: no episode and no quote comes from the bot's words.)"""
    ids = [m.id for m in messages]
    start = ids.index(cursor) + 1 if cursor in ids else 0
    if start > 0 and messages[start - 1].type == "ai":
        start -= 1
    return list(messages[start:])


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
