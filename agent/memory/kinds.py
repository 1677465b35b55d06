"""The kinds of long-term memory, declared once, as data over one shared machinery.

Each kind names the schema of a stored value, how an item is shown to the chatbot, what its writer is told
to keep, and whether it is one document under a fixed key (and, for a free-text document, what the writer is
asked to rewrite). From that shape follow how a stored value splits into facts (what the write guards
protect), which writer keeps it and how a fact is put back or taken out (`agent.memory.write.writers`,
`agent.memory.write.edits`). ``MEMORY_KINDS`` is the one list: the configuration (`agent.context`), the
command line, the memory page and the tests read it. Loading, formatting, extracting, checking and saving
(with history) are the same code for all of them (`agent.memory.api`).

Adding a kind: its schema (`agent.schemas`), its writer's instructions (`agent.prompts`) and one entry below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from langgraph.store.base import Item
from pydantic import BaseModel

from agent import prompts
from agent.memory.records.facts import FactsOf, document_facts, item_facts, record_facts
from agent.schemas import Instruction, Memory, NeverKeep, SemanticDocument, UserProfile

Shape = Literal["text", "record", "items"]
"""A free-text document, one structured document, or a searchable collection of items."""

_FACTS_OF: dict[Shape, FactsOf] = {"text": document_facts, "record": record_facts, "items": item_facts}


@dataclass(frozen=True)
class MemoryKind:
    """One memory type: its value's schema, how to render an item for the prompt, what its writer keeps,
    and its key.

    ``key`` set: one document under that key (not embedded), structured by ``schema``, or free text the model
    rewrites whole when ``rewrite_request`` is set. ``key`` None: a searchable collection, one ``schema``
    value per item.
    """

    name: str
    schema: type[BaseModel]
    description: str
    render_value: Callable[[dict], str]
    """A stored value as the lines the chatbot (and a person) reads."""
    instructions: str
    """The writer's system prompt: what to keep of the conversation (`agent.prompts`)."""
    key: str | None = None
    rewrite_request: str | None = None
    """For a free-text document (one ``content`` field): what the writer is asked after the conversation,
    ``{document}`` standing for the current one."""

    def __post_init__(self) -> None:
        if self.rewrite_request is not None and self.key is None:
            raise ValueError(f"memory kind {self.name!r}: a free-text document needs a key")
        if self.shape == "record":  # one document, filled in a fact at a time: it starts with no field known
            for name, field in self.schema.model_fields.items():
                if field.is_required():
                    raise ValueError(
                        f"memory kind {self.name!r}: field {name!r} of {self.schema.__name__} needs a default, since "
                        f"the document starts empty and fills in as the user talks (e.g. `{name}: list[str] = "
                        "Field(default_factory=list)` or `= None`)"
                    )

    @property
    def shape(self) -> Shape:
        if self.rewrite_request is not None:
            return "text"
        return "record" if self.key is not None else "items"

    @property
    def facts(self) -> FactsOf:
        """How a stored value of this kind splits into facts."""
        return _FACTS_OF[self.shape]

    def fit(self, items: Sequence[Item], budget: int) -> list[tuple[Item, str]]:
        """The ``items``, in order, whose rendered lines (one per line) fit in ``budget`` characters, with
        their lines: an item too long for what is left is passed over for shorter ones after it."""
        shown: list[tuple[Item, str]] = []
        first: tuple[Item, str] | None = None
        used = -1  # no newline before the first line
        for item in items:
            line = self.render_value(item.value)
            if not line:
                continue
            first = first or (item, line)
            if used + 1 + len(line) <= budget:
                shown.append((item, line))
                used += len(line) + 1
        if not shown and first:  # nothing fits whole (a long document): keep the start of the first
            shown.append((first[0], first[1][: max(budget - 1, 0)] + "…"))
        return shown

    def described(self) -> dict:
        """The kind as an editor shows it: its name, description and fields (from its schema), each with its
        label, whether it holds a list or several lines, and whether it is required."""
        schema = self.schema.model_json_schema()
        required = set(schema.get("required", []))
        fields = []
        for name, field in schema.get("properties", {}).items():
            shapes = field.get("anyOf", [field])
            fields.append(
                {
                    "name": name,
                    "label": field.get("title", name),
                    "description": field.get("description", ""),
                    "list": any(shape.get("type") == "array" for shape in shapes),
                    "multiline": bool(field.get("multiline")),
                    "required": name in required,
                }
            )
        return {"name": self.name, "description": self.description, "document": self.key is not None, "fields": fields}

    def render(self, items: Sequence[Item], budget: int) -> str:
        """The memory section of the chatbot's system prompt, at most ``budget`` characters."""
        return "\n".join(line for _, line in self.fit(items, budget)) or prompts.NO_MEMORY


def _render_document(value: dict) -> str:
    return str(value.get("content", "")).strip()


def _render_profile(value: dict) -> str:
    lines = []
    for field, held in value.items():
        if isinstance(held, list):
            held = ", ".join(str(v) for v in held)
        if held not in (None, ""):
            lines.append(f"{field}: {held}")
    return "\n".join(lines)


def _render_memory(value: dict) -> str:
    """One memory per line, no bullet: the budget holds more memories."""
    context = value.get("context")
    content = str(value.get("content", "")).strip()
    return content + (f" ({context})" if context else "")


_DECLARED = (
    MemoryKind(
        name="semantic",
        schema=SemanticDocument,
        description="one free-text document of facts",
        render_value=_render_document,
        instructions=prompts.SEMANTIC_INSTRUCTIONS,
        key="semantic",
        rewrite_request=prompts.SEMANTIC_REQUEST,
    ),
    MemoryKind(
        name="profile",
        schema=UserProfile,
        description="one structured UserProfile document",
        render_value=_render_profile,
        instructions=prompts.PROFILE_INSTRUCTIONS,
        key="profile",
    ),
    MemoryKind(
        name="collection",
        schema=Memory,
        description="many small Memory items",
        render_value=_render_memory,
        instructions=prompts.COLLECTION_INSTRUCTIONS,
    ),
)
MEMORY_KINDS: dict[str, MemoryKind] = {kind.name: kind for kind in _DECLARED}
MEMORY_TYPES: tuple[str, ...] = tuple(MEMORY_KINDS)
"""Every memory type's name, in declaration order (the first is the default)."""

INSTRUCTIONS = MemoryKind(
    name="instructions",
    schema=Instruction,
    description="how the user wants the bot to answer them, one instruction each (kept beside every memory type)",
    render_value=_render_memory,
    instructions=prompts.PROCEDURAL_INSTRUCTIONS,
)
"""Procedural memory: the user's instructions for the bot, kept whatever memory type an assistant uses."""

WRITTEN_KINDS: dict[str, MemoryKind] = {**MEMORY_KINDS, INSTRUCTIONS.name: INSTRUCTIONS}
"""What the memory writers write from a conversation: the memory types and the instructions."""

NEVER_KEEP = MemoryKind(
    name="never_keep",
    schema=NeverKeep,
    description="topics the user wants never remembered, one each (set by the user; no model writes them)",
    render_value=_render_memory,
    instructions="",
)
"""The user's never-keep rules: what matches one by meaning is left out of every write
(`agent.memory.write.never_keep`)."""

STORED_KINDS: dict[str, MemoryKind] = {**WRITTEN_KINDS, NEVER_KEEP.name: NEVER_KEEP}
"""Everything kept per user: the memory types, the instructions and the never-keep rules beside them."""


def memory_kind(memory_type: str) -> MemoryKind:
    """The declaration of ``memory_type`` (a memory type, or the instructions); a clear error for another."""
    try:
        return STORED_KINDS[memory_type]
    except KeyError:
        known = ", ".join(MEMORY_KINDS)
        raise ValueError(f"unknown memory_type {memory_type!r}; expected one of: {known}") from None


def described() -> str:
    """The memory types as the configuration describes them: "'semantic' (one free-text ...), ..."."""
    return ", ".join(f"'{kind.name}' ({kind.description})" for kind in MEMORY_KINDS.values())
