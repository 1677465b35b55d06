"""Memory writers: turn new conversation plus existing memory into Store writes."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from langgraph.store.base import Item
from pydantic import BaseModel
from trustcall import create_extractor

from agent import prompts
from agent.memory.retrieval import terms

Write = tuple[str, dict]
TRUSTCALL_STEPS = 8  # a clean update takes 4 steps; this leaves two repair rounds


class ExtractionFailed(RuntimeError):
    """The model's extraction could not be made valid; nothing may be written from it."""


class Writer(Protocol):
    """Extracts what to store from a transcript, given the memories that already exist."""

    async def extract(
        self, model: BaseChatModel, transcript: str, existing: list[Item]
    ) -> list[Write]: ...


@dataclass(frozen=True)
class DocumentWriter:
    """Keeps one free-text document under ``key``, rewritten whole by the model.

    A rewrite that shares no word with what the user said or with the current document is not a
    document about this user (small models answer the conversation instead): it is not written.
    """

    key: str
    instructions: str
    request: str

    async def extract(
        self, model: BaseChatModel, transcript: str, existing: list[Item]
    ) -> list[Write]:
        current = existing[0].value.get("content", "") if existing else ""
        request = self.request.replace("{document}", current or prompts.EMPTY_DOCUMENT)
        reply = await model.ainvoke([SystemMessage(self.instructions), HumanMessage(f"{transcript}\n\n{request}")])
        document = _MARKUP.sub("", reply.text).strip()
        if not document or document == current or not _shares_words(document, transcript + current):
            return []
        return [(self.key, {"content": document})]


_MARKUP = re.compile(r"</?conversation>|^(?:user|assistant):\s*", re.M)  # the prompt's, echoed back


def _shares_words(text: str, source: str) -> bool:
    return bool((set(terms(text)) & set(terms(source))) - {"conversation", "assistant"})


_extractors: dict[tuple, tuple[BaseChatModel, Runnable]] = {}


def _extractor(model: BaseChatModel, schema: type[BaseModel], tool_choice, inserts: bool):
    """A trustcall extractor per (model, schema), compiled once per process."""
    cache_key = (id(model), schema, tool_choice, inserts)
    cached = _extractors.get(cache_key)
    if cached is None or cached[0] is not model:
        runnable = create_extractor(
            model, tools=[schema], tool_choice=tool_choice, enable_inserts=inserts
        )
        cached = _extractors[cache_key] = (model, runnable)
    return cached[1]


@dataclass(frozen=True)
class SchemaWriter:
    """Keeps schema-shaped documents up to date with trustcall's JSON-patch extraction.

    With ``key`` set there is exactly one document under that key; without it, each
    new fact becomes a new item and existing items are patched in place by key.
    """

    schema: type[BaseModel]
    instructions: str
    key: str | None = None

    async def extract(
        self, model: BaseChatModel, transcript: str, existing: list[Item]
    ) -> list[Write]:
        name = self.schema.__name__
        inserts = self.key is None
        # One document: force its tool. A collection: let the model decide whether to insert.
        extractor = _extractor(model, self.schema, None if inserts else name, inserts)
        result = await extractor.ainvoke(
            {
                "messages": [SystemMessage(self.instructions), HumanMessage(transcript)],
                "existing": [(item.key, name, item.value) for item in existing],
            },
            # trustcall answers a failing model call by asking again, with no limit but this one.
            {"recursion_limit": TRUSTCALL_STEPS},
        )
        calls = [call for message in result["messages"] for call in message.tool_calls]
        if not result["responses"] and not inserts:
            # One document's tool call is forced (an unchanged document still comes back): none is a failure.
            raise ExtractionFailed(f"the model returned no valid {name} tool call; nothing was written")
        if len(result["responses"]) < len(calls):
            raise ExtractionFailed(
                f"{len(calls) - len(result['responses'])} of {len(calls)} {name} tool calls stayed "
                f"invalid after {result['attempts']} attempts; nothing was written"
            )
        known = {item.key: item.value for item in existing}
        empty = _empty_value(self.schema)
        writes: list[Write] = []
        for response, meta in zip(result["responses"], result["response_metadata"], strict=False):
            key = self.key or meta.get("json_doc_id") or str(uuid.uuid4())
            value = response.model_dump(mode="json")
            if value != known.get(key, empty):
                writes.append((key, value))
        return writes


def _empty_value(schema: type[BaseModel]) -> dict | None:
    """The schema's all-defaults document (nothing learned yet), if it has one."""
    try:
        return schema().model_dump(mode="json")
    except ValueError:
        return None
