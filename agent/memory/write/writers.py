"""Memory writers: turn new conversation plus existing memory into Store writes ((key, value); None deletes),
each fact they add or change with the user's words quoted (what `agent.memory.write.grounding` checks).

No kind's schema declares a quote: a writer asks for them itself. A schema writer's tools are the kind's schema
with a ``quotes`` list added (`quoted`), taken off again before anything is stored; the document writer asks for
the words at the end of each line it adds or changes (``prompts.QUOTE_MARK``).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol
from uuid import UUID

import jsonpatch
import jsonpointer
from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.outputs import LLMResult
from langchain_core.runnables import Runnable
from langgraph.errors import GraphRecursionError
from langgraph.store.base import Item
from pydantic import BaseModel, Field, create_model
from trustcall import create_extractor

from agent import prompts
from agent.memory.kinds import MemoryKind
from agent.memory.records.history import Write
from agent.schemas import QUOTES_DESCRIPTION, ForgetMemory, NothingNew, Quote
from agent.words import terms

PATCH_TOOL = "PatchDoc"  # trustcall's tool for patching an existing document
TRUSTCALL_STEPS = 8  # a clean update takes 4 steps; this leaves two repair rounds


class ExtractionFailed(RuntimeError):
    """The model's extraction could not be made valid; nothing may be written from it."""


QUOTES = "quotes"


@dataclass
class Proposal:
    """What a writer proposes: the writes, and the user's words it quoted for the facts of each memory."""

    writes: list[Write] = field(default_factory=list)
    quotes: dict[str, list[Quote]] = field(default_factory=dict)
    """By memory key: (the fact as the model named it, the words it quoted)."""


class Writer(Protocol):
    """Extracts what to store from a transcript, given the memories that already exist."""

    async def extract(self, model: BaseChatModel, transcript: str, existing: list[Item]) -> Proposal: ...


@cache
def quoted(schema: type[BaseModel]) -> type[BaseModel]:
    """``schema`` (same name, same fields) with a ``quotes`` list for the user's words behind each fact."""
    return create_model(
        schema.__name__,
        __base__=schema,
        __doc__=schema.__doc__,
        quotes=(list[Quote], Field(default_factory=list, description=QUOTES_DESCRIPTION)),
    )


def _quotes_of(value: dict) -> list[Quote]:
    """The quotes a tool call carried (taken out of ``value``), those well formed."""
    found = value.pop(QUOTES, None)
    quotes = []
    for entry in found if isinstance(found, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("quote"), str) and entry["quote"].strip():
            quotes.append(Quote(fact=str(entry.get("fact") or ""), quote=entry["quote"]))
    return quotes


@dataclass(frozen=True)
class DocumentWriter:
    """Keeps one free-text document under ``key``, rewritten whole by the model.

    A rewrite that quotes the user nowhere and shares no word with what the user said or with the current
    document is not a document about this user (small models answer the conversation instead): it is not
    written. An empty rewrite is a proposal to drop every fact, which the guards hold to the same rules.
    """

    key: str
    instructions: str
    request: str

    async def extract(self, model: BaseChatModel, transcript: str, existing: list[Item]) -> Proposal:
        current = existing[0].value.get("content", "") if existing else ""
        request = self.request.replace("{document}", current or prompts.EMPTY_DOCUMENT)
        reply = await model.ainvoke([SystemMessage(self.instructions), HumanMessage(f"{transcript}\n\n{request}")])
        lines, quotes = [], []
        for line in _MARKUP.sub("", reply.text).strip().splitlines():
            fact, quote = split_quote(line)
            lines.append(fact)
            if quote:
                quotes.append(Quote(fact=fact, quote=quote))
        document = "\n".join(lines).strip()
        if document == current or not (document or current):
            return Proposal()
        if document and not quotes and not _shares_words(document, transcript + current):
            return Proposal()  # not a document about this user: small models answer the conversation instead
        return Proposal([(self.key, {"content": document})], {self.key: quotes})


_QUOTED_LINE = re.compile(rf"^(.*?)\s*{re.escape(prompts.QUOTE_MARK)}\s*(.*?)\s*$")
_QUOTE_MARKS = "\"'“”‘’«»„"


def split_quote(line: str) -> tuple[str, str]:
    """A document line as (the fact, the user's words quoted at its end: "" when none)."""
    found = _QUOTED_LINE.match(line)
    if not found:
        return line.rstrip(), ""
    return found.group(1).rstrip(), found.group(2).strip().strip(_QUOTE_MARKS).strip()


_MARKUP = re.compile(r"</?conversation>|^(?:user|assistant):\s*", re.M)  # the prompt's, echoed back


def _shares_words(text: str, source: str) -> bool:
    return bool((set(terms(text)) & set(terms(source))) - {"conversation", "assistant"})


_extractors: dict[tuple, tuple[BaseChatModel, Runnable]] = {}


def _extractor(model: BaseChatModel, tools: tuple[type[BaseModel], ...], tool_choice: str, many: bool):
    """A trustcall extractor per (model, tools), compiled once per process."""
    cache_key = (id(model), tools, tool_choice, many)
    cached = _extractors.get(cache_key)
    if cached is None or cached[0] is not model:
        runnable = create_extractor(model, tools=list(tools), tool_choice=tool_choice, enable_inserts=many)
        cached = _extractors[cache_key] = (model, runnable)
    return cached[1]


class _ModelReplies(AsyncCallbackHandler):
    """The model's own replies during one extraction, by trustcall step (before trustcall applies patches)."""

    def __init__(self) -> None:
        self._steps: dict[UUID, str | None] = {}
        self.replies: list[tuple[str | None, AIMessage]] = []

    async def on_chat_model_start(self, serialized, messages, *, run_id: UUID, metadata=None, **kwargs) -> None:
        self._steps[run_id] = (metadata or {}).get("langgraph_node")

    async def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs) -> None:
        message = getattr(response.generations[0][0], "message", None) if response.generations else None
        if isinstance(message, AIMessage):
            self.replies.append((self._steps.get(run_id), message))

    def extraction(self) -> AIMessage | None:
        """The reply to the extraction request itself (the last, when trustcall had to ask again)."""
        answers = [message for step, message in self.replies if step in ("extract", "extract_updates")]
        return answers[-1] if answers else None


def _check_patches(reply: AIMessage, applied: set[str], known: dict[str, dict]) -> None:
    """Raise when a patch in the model's reply names no stored memory or could not be applied."""
    for call in reply.tool_calls:
        if call["name"] != PATCH_TOOL:
            continue
        doc_id, patches = call["args"].get("json_doc_id"), call["args"].get("patches") or []
        if doc_id not in known:
            raise ExtractionFailed(
                f"the model patched memory {doc_id!r}, which does not exist (stored: {', '.join(map(repr, known))}); "
                "nothing was written"
            )
        if call["id"] in applied or not patches:
            continue  # applied, or an empty patch: this memory stays as it is
        try:
            jsonpatch.apply_patch(known[doc_id], patches)
            reason = "trustcall dropped it"
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError, ValueError) as error:
            reason = str(error) or type(error).__name__
        raise ExtractionFailed(
            f"the model's patch to memory {doc_id!r} could not be applied ({reason}): {json.dumps(patches)[:300]}; "
            "nothing was written"
        )


@dataclass(frozen=True)
class SchemaWriter:
    """Keeps schema-shaped documents up to date with trustcall's JSON-patch extraction.

    With ``key`` set there is exactly one document under that key, and its tool (or a patch of it) is
    forced. Without it, a collection: each new fact becomes a new item, existing items are patched in place
    or removed by id (``ForgetMemory``), and ``NothingNew`` lets the model say there is nothing to
    remember; one of these choices is forced on the first extraction and on every later one.

    A reply that calls no tool, or patches a memory that does not exist or a path it cannot apply, raises
    ExtractionFailed (trustcall on its own drops such patches of a collection without a word).
    """

    schema: type[BaseModel]
    instructions: str
    key: str | None = None

    async def extract(self, model: BaseChatModel, transcript: str, existing: list[Item]) -> Proposal:
        name = self.schema.__name__
        many = self.key is None
        tool = quoted(self.schema)
        tools: tuple[type[BaseModel], ...] = (
            (tool, NothingNew, *([ForgetMemory] if existing else [])) if many else (tool,)
        )
        extractor = _extractor(model, tools, "any" if many else name, many)
        replies = _ModelReplies()
        try:
            result = await extractor.ainvoke(
                {
                    "messages": [SystemMessage(self.instructions), HumanMessage(transcript)],
                    # Shown with an empty list of quotes, so that a patch can add to it.
                    "existing": [(item.key, name, {**item.value, QUOTES: []}) for item in existing],
                },
                # trustcall answers a failing model call by asking again, with no limit but this one.
                {"recursion_limit": TRUSTCALL_STEPS, "callbacks": [replies]},
            )
        except GraphRecursionError:
            raise ExtractionFailed(
                f"the model's {name} changes still did not fit the memory's schema after {TRUSTCALL_STEPS} steps of "
                "trustcall's repairs; nothing was written (the messages are tried again with the next write)"
            ) from None
        reply = replies.extraction()
        if reply is None or not reply.tool_calls:
            said = f": {reply.text[:200]!r}" if reply is not None and reply.text else ""
            choices = f"{name}, PatchDoc, ForgetMemory or NothingNew" if many else f"{name} or PatchDoc"
            raise ExtractionFailed(
                f"the model called no tool (one of {choices} was required){said}; nothing was written"
            )
        known = {item.key: item.value for item in existing}
        _check_patches(reply, {meta["id"] for meta in result["response_metadata"]}, known_with_quotes(known))
        calls = [call for message in result["messages"] for call in message.tool_calls]
        if not result["responses"] and not many:
            # One document's tool call is forced (an unchanged document still comes back): none is a failure.
            raise ExtractionFailed(f"the model returned no valid {name} tool call; nothing was written")
        if len(result["responses"]) < len(calls):
            raise ExtractionFailed(
                f"{len(calls) - len(result['responses'])} of {len(calls)} {name} tool calls stayed "
                f"invalid after {result['attempts']} attempts; nothing was written"
            )
        empty = _empty_value(self.schema)
        proposal = Proposal()
        for response, meta in zip(result["responses"], result["response_metadata"], strict=False):
            if isinstance(response, NothingNew):
                continue
            if isinstance(response, ForgetMemory):
                if response.json_doc_id not in known:
                    raise ExtractionFailed(
                        f"the model removed memory {response.json_doc_id!r}, which does not exist; nothing was written"
                    )
                proposal.writes.append((response.json_doc_id, None))
                continue
            key = self.key or meta.get("json_doc_id") or str(uuid.uuid4())
            value = response.model_dump(mode="json")
            proposal.quotes.setdefault(key, []).extend(_quotes_of(value))
            if value != known.get(key, empty):
                proposal.writes.append((key, value))
        return proposal


def known_with_quotes(known: dict[str, dict]) -> dict[str, dict]:
    """The stored values as the model was shown them (with an empty list of quotes)."""
    return {key: {**value, QUOTES: []} for key, value in known.items()}


def _empty_value(schema: type[BaseModel]) -> dict | None:
    """The schema's all-defaults document (nothing learned yet), if it has one."""
    try:
        return schema().model_dump(mode="json")
    except ValueError:
        return None


@cache
def writer_for(kind: MemoryKind) -> Writer:
    """The writer that keeps ``kind``: the document writer for free text, the schema writer otherwise."""
    if kind.rewrite_request is not None and kind.key is not None:
        return DocumentWriter(kind.key, kind.instructions, kind.rewrite_request)
    return SchemaWriter(kind.schema, kind.instructions, key=kind.key)
