"""The kinds of long-term memory, declared once, as data over one shared machinery.

Each kind names the schema of a stored value, how an item is shown to the chatbot, which writer keeps
them, how a stored value splits into facts (what the write guards protect) and whether it is one
document under a fixed key. ``MEMORY_KINDS`` is the one list: the configuration (`agent.context`),
the command line, the memory page and the tests read it. Loading, formatting, extracting, checking and
saving (with history) are the same code for all of them (`agent.memory.api`).

Adding a kind: its schema (`agent.schemas`), its writer's prompt (`agent.prompts`) and one entry below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from langgraph.store.base import Item
from pydantic import BaseModel

from agent import prompts
from agent.memory.facts import FactsOf, document_facts, item_facts, record_facts
from agent.memory.writers import DocumentWriter, SchemaWriter, Writer
from agent.schemas import Memory, SemanticDocument, UserProfile


@dataclass(frozen=True)
class MemoryKind:
    """One memory type: its value's schema, how to render an item for the prompt, who writes the items,
    its facts, and its key.

    ``key`` set: one document under that key (not embedded). ``key`` None: a searchable collection.
    """

    name: str
    schema: type[BaseModel]
    description: str
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


_DECLARED = (
    MemoryKind(
        name="semantic",
        schema=SemanticDocument,
        description="one free-text document of facts",
        render_item=_render_document,
        writer=DocumentWriter("semantic", prompts.SEMANTIC_INSTRUCTIONS, prompts.SEMANTIC_REQUEST),
        facts=document_facts,
        key="semantic",
    ),
    MemoryKind(
        name="profile",
        schema=UserProfile,
        description="one structured UserProfile document",
        render_item=_render_profile,
        writer=SchemaWriter(UserProfile, prompts.PROFILE_INSTRUCTIONS, key="profile"),
        facts=record_facts,
        key="profile",
    ),
    MemoryKind(
        name="collection",
        schema=Memory,
        description="many small Memory items",
        render_item=_render_memory,
        writer=SchemaWriter(Memory, prompts.COLLECTION_INSTRUCTIONS),
        facts=item_facts,
    ),
)
MEMORY_KINDS: dict[str, MemoryKind] = {kind.name: kind for kind in _DECLARED}
MEMORY_TYPES: tuple[str, ...] = tuple(MEMORY_KINDS)
"""Every memory type's name, in declaration order (the first is the default)."""


def memory_kind(memory_type: str) -> MemoryKind:
    """The declaration of ``memory_type``; a clear error for an unknown one."""
    try:
        return MEMORY_KINDS[memory_type]
    except KeyError:
        known = ", ".join(MEMORY_KINDS)
        raise ValueError(f"unknown memory_type {memory_type!r}; expected one of: {known}") from None


def described() -> str:
    """The memory types as the configuration describes them: "'semantic' (one free-text ...), ..."."""
    return ", ".join(f"'{kind.name}' ({kind.description})" for kind in MEMORY_KINDS.values())
