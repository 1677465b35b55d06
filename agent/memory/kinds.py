"""The three kinds of long-term memory, declared as data over one shared machinery.

Each kind names how its items are shown to the chatbot, which writer keeps them, how a stored value
splits into facts (what the write guards protect) and whether it is one document under a fixed key;
loading, formatting, extracting, checking and saving (with history) are the same code for all of them.
A collection is never read whole: writing sees the ``k`` items a search finds most
relevant, answering as many of the most relevant as fit in the prompt's character budget, so prompts
stay bounded however many memories a user has.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage
from langgraph.store.base import BaseStore, Item

from agent import prompts
from agent.memory.facts import FactsOf, document_facts, item_facts, record_facts
from agent.memory.guards import Write, lost_facts, refusal, without_restatements
from agent.memory.history import save_with_history
from agent.memory.retrieval import search_memories
from agent.memory.store import memory_namespace
from agent.memory.timeline import stamp, unstamped
from agent.memory.writers import DocumentWriter, ExtractionFailed, SchemaWriter, Writer
from agent.schemas import Memory, UserProfile


@dataclass(frozen=True)
class MemoryKind:
    """One memory type: how to render an item for the prompt, who writes the items, its facts, and its key.

    ``key`` set: one document under that key (not embedded). ``key`` None: a searchable collection.
    """

    name: str
    render_item: Callable[[Item], str]
    writer: Writer
    facts: FactsOf
    key: str | None = None

    def fit(self, items: Sequence[Item], budget: int) -> list[tuple[Item, str]]:
        """The ``items``, in order, whose rendered lines (one per line) fit in ``budget`` characters, with
        their lines: an item too long for what is left is passed over for shorter ones after it."""
        shown: list[tuple[Item, str]] = []
        first: tuple[Item, str] | None = None
        used = -1  # no newline before the first line
        for item in items:
            line = self.render_item(item)
            if not line:
                continue
            first = first or (item, line)
            if used + 1 + len(line) <= budget:
                shown.append((item, line))
                used += len(line) + 1
        if not shown and first:  # nothing fits whole (a long document): keep the start of the first
            shown.append((first[0], first[1][: max(budget - 1, 0)] + "…"))
        return shown

    def render(self, items: Sequence[Item], budget: int) -> str:
        """The memory section of the chatbot's system prompt, at most ``budget`` characters."""
        return "\n".join(line for _, line in self.fit(items, budget)) or prompts.NO_MEMORY


def _render_document(item: Item) -> str:
    return str(item.value.get("content", "")).strip()


def _render_profile(item: Item) -> str:
    lines = []
    for field, value in item.value.items():
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value not in (None, ""):
            lines.append(f"{field}: {value}")
    return "\n".join(lines)


def _render_memory(item: Item) -> str:
    """One memory per line, no bullet: the budget holds more memories."""
    context = item.value.get("context")
    content = str(item.value.get("content", "")).strip()
    return content + (f" ({context})" if context else "")


MEMORY_KINDS: dict[str, MemoryKind] = {
    "semantic": MemoryKind(
        name="semantic",
        render_item=_render_document,
        writer=DocumentWriter("semantic", prompts.SEMANTIC_INSTRUCTIONS, prompts.SEMANTIC_REQUEST),
        facts=document_facts,
        key="semantic",
    ),
    "profile": MemoryKind(
        name="profile",
        render_item=_render_profile,
        writer=SchemaWriter(UserProfile, prompts.PROFILE_INSTRUCTIONS, key="profile"),
        facts=record_facts,
        key="profile",
    ),
    "collection": MemoryKind(
        name="collection",
        render_item=_render_memory,
        writer=SchemaWriter(Memory, prompts.COLLECTION_INSTRUCTIONS),
        facts=item_facts,
    ),
}


def memory_kind(memory_type: str) -> MemoryKind:
    """The declaration of ``memory_type``; a clear error for an unknown one."""
    try:
        return MEMORY_KINDS[memory_type]
    except KeyError:
        known = ", ".join(MEMORY_KINDS)
        raise ValueError(f"unknown memory_type {memory_type!r}; expected one of: {known}") from None


def transcript(messages: Sequence[AnyMessage]) -> str:
    """The conversation as 'user: …' / 'assistant: …' lines, for the memory writers."""
    roles = {"human": "user", "ai": "assistant"}
    lines = [
        f"{roles[m.type]}: {m.text.strip()}"
        for m in messages
        if m.type in roles and m.text.strip()
    ]
    return prompts.CONVERSATION.format(transcript="\n".join(lines))


MAX_MESSAGE_CHARS = 20_000


def message_problem(message: AnyMessage | None) -> str | None:
    """Why the bot cannot use the user's message (a polite reply), or None when it can."""
    if message is None or message.type != "human":
        return "I didn't receive a message from you. What would you like to talk about?"
    text = message.text.strip()
    if not text:
        if isinstance(message.content, list) and message.content:
            return "I can only read text for now. Could you tell me in words?"
        return "Your message was empty. What would you like to talk about?"
    if len(text) > MAX_MESSAGE_CHARS:
        return (
            f"Your message is {len(text):,} characters long; I can read up to {MAX_MESSAGE_CHARS:,}. "
            "Could you send a shorter one?"
        )
    return None


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
    """The user's memories for answering ``query``: the document, or enough of the most relevant items to fill ``budget``.

    ``MemoryKind.render`` (or ``fit``) then keeps, in order of relevance, those that fit.
    """
    return await recall(store, user_id, memory_type, query, items_for_budget(budget))


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
    index = False if kind.key is not None else None  # single documents are read by key, not searched
    await save_with_history(store, user_id, memory_type, writes, provenance or {}, index, read)


async def remember(
    store: BaseStore,
    model: BaseChatModel,
    user_id: str,
    memory_type: str,
    messages: Sequence[AnyMessage],
    k: int = 10,
    provenance: dict | None = None,
) -> list[Write]:
    """Extract what ``messages`` teach about the user and save it with its history; returns the writes.

    The writer sees the existing memories relevant to what the user said (at most ``k`` items of
    a collection), so a restated fact patches its item instead of adding a duplicate; a new memory that
    restates a stored one is dropped. A write that would lose a stored fact the user neither corrected
    nor retracted is refused whole (``agent.memory.guards``): ExtractionFailed, nothing written.
    ``provenance`` (source, chat thread, run) is recorded with every version. Hold the user's write lock
    (``agent.memory.write_lock``) around this call.
    """
    kind = memory_kind(memory_type)
    said = "\n".join(m.text for m in messages if m.type == "human")
    existing = await recall(store, user_id, memory_type, said, k)
    read = {item.key: item.value for item in existing}
    known = {key: unstamped(value) for key, value in read.items()}
    writes = await kind.writer.extract(model, transcript(messages), existing)
    writes = [(key, value) for key, value in writes if value is None or known.get(key) != unstamped(value)]
    writes = without_restatements(writes, known, kind.facts)
    if lost := lost_facts(known, writes, kind.facts, said):
        raise ExtractionFailed(refusal(lost))
    await save(store, user_id, memory_type, writes, read=read, provenance=provenance)
    return writes
