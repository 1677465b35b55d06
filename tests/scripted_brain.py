"""A scripted chat model for tests: every reply and tool call is derived from the prompt it gets.

It understands a handful of English statements about the user ("I'm Lance", "I live in X",
"I moved to X", "I work as a X", "I like X") and the formats this project and trustcall put
into prompts, so tests exercise the real prompt -> model -> tool call -> store path with no
network and no canned answers. The same brain serves in-process (``ScriptedChatModel``) and
over HTTP as an OpenAI-compatible endpoint (``tests/scripted_openai.py``).
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

_LEAD = r"(?i:\b{})\s+"
_PLACE = r"([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)"
_PHRASE = r"([a-z][\w' -]*?)\s*(?:[.,!?;]|\band\b|$)"
FACT_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("name", re.compile(_LEAD.format("(?:my name is|i'm|i am|call me)") + r"(?!(?:a|an|from|in)\b)([A-Z][a-z]+)")),
    ("location", re.compile(_LEAD.format("(?:i live in|i moved to|i now live in|i'm from|i am from)") + _PLACE)),
    ("job", re.compile(_LEAD.format("(?:i work as an?|i work as|my job is)") + _PHRASE)),
    ("interests", re.compile(_LEAD.format("(?:i like|i love|i enjoy)") + _PHRASE)),
]

SENTENCES = {
    "name": "The user's name is {}.",
    "location": "The user lives in {}.",
    "job": "The user works as {}.",
    "interests": "The user likes {}.",
}
DOC_LABELS = {"name": "Name", "location": "Location", "job": "Job", "interests": "Likes"}


def user_utterances(messages: Sequence[BaseMessage]) -> list[str]:
    """What the user said: human messages, or 'user:' lines of a transcript."""
    said: list[str] = []
    for message in messages:
        if message.type != "human":
            continue
        text = message.text
        if "<conversation>" in text:
            said += [line[5:].strip() for line in text.splitlines() if line.startswith("user:")]
        else:
            said.append(text)
    return said


def facts_in(utterances: Sequence[str]) -> list[tuple[str, str]]:
    """(field, value) pairs stated by the user, in the order they were said."""
    facts = []
    for text in utterances:
        for field, pattern in FACT_PATTERNS:
            facts += [(field, m.group(1).strip()) for m in pattern.finditer(text)]
    return facts


def _system_text(messages: Sequence[BaseMessage]) -> str:
    return "\n".join(m.text for m in messages if m.type == "system")


def _tool_name(tool: dict) -> str:
    return tool["function"]["name"]


def _call(name: str, args: dict) -> dict:
    return {"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}


def _existing_instances(system: str) -> list[tuple[str, dict]]:
    """The documents trustcall lists in its prompt: (json_doc_id, value)."""
    found = re.findall(r'<instance id=(\S+) schema_type="\w+">\n(.*?)\n</instance>', system, re.S)
    return [(doc_id, ast.literal_eval(body)) for doc_id, body in found]


def _profile_args(facts: list[tuple[str, str]]) -> dict:
    args: dict[str, Any] = {"interests": []}
    for field, value in facts:
        if field == "interests":
            args["interests"].append(value)
        else:
            args[field] = value
    return args


def _profile_patches(current: dict, facts: list[tuple[str, str]]) -> list[dict]:
    patches: list[dict] = []
    interests = list(current.get("interests") or [])
    for field, value in facts:
        if field == "interests":
            if value not in interests:
                interests.append(value)
                patches.append({"op": "add", "path": "/interests/-", "value": value})
        elif current.get(field) != value:
            current = {**current, field: value}
            patches.append({"op": "replace", "path": f"/{field}", "value": value})
    return patches


def _stem(sentence: str) -> str:
    """The part of a canonical sentence that names what it is about ('The user lives in')."""
    for field, template in SENTENCES.items():
        prefix = template.split("{}")[0]
        if sentence.startswith(prefix):
            return sentence if field == "interests" else prefix
    return sentence


def _rewrite_document(prompt: str, facts: list[tuple[str, str]]) -> str:
    current = prompt.split("Current document:", 1)[1].split("\n\n", 1)[0]
    lines = [ln.strip() for ln in current.strip().splitlines() if ":" in ln]
    entries: list[list[str]] = [[k.strip(), v.strip()] for k, v in (ln.split(":", 1) for ln in lines)]
    for field, value in facts:
        label = DOC_LABELS[field]
        same = [e for e in entries if e[0] == label and (field != "interests" or e[1] == value)]
        if same:
            same[0][1] = value
        else:
            entries.append([label, value])
    return "\n".join(f"{k}: {v}" for k, v in entries)


def _chat_reply(system: str, messages: Sequence[BaseMessage]) -> str:
    memory = system.split("What you remember about the user:", 1)[-1]
    memory = memory.split("Current time", 1)[0].strip()
    if not memory or memory == "(nothing yet)":
        return "Nice to meet you! I don't know anything about you yet."
    remembered = "; ".join(ln.strip("- ").strip() for ln in memory.splitlines() if ln.strip())
    return f"Here is what I remember about you: {remembered}"


def _judge_verdict(request: str) -> str:
    """The benchmark judge's JSON verdict: CORRECT when the answer holds every word of the reference answer."""
    fields = dict(re.findall(r"^(Reference answer|Assistant's answer): (.*)$", request, re.M))
    words = lambda text: set(re.findall(r"[a-z0-9]+", text.lower()))  # noqa: E731
    reference, answer = words(fields.get("Reference answer", "")), words(fields.get("Assistant's answer", ""))
    correct = bool(reference) and reference <= answer
    reasoning = "the answer holds the reference" if correct else "the answer misses part of the reference"
    return json.dumps({"reasoning": reasoning, "label": "CORRECT" if correct else "WRONG"})


def respond(messages: Sequence[BaseMessage], tools: Sequence[dict], tool_choice: str) -> AIMessage:
    """The scripted reply to ``messages`` given OpenAI-format ``tools`` and ``tool_choice``.

    ``tool_choice`` is 'auto', 'none', 'required' or the name of a tool.
    """
    system = _system_text(messages)
    facts = facts_in(user_utterances(messages))
    names = [_tool_name(t) for t in tools] if tool_choice != "none" else []
    if not names:
        request = messages[-1].text if messages else ""
        if "Current document:" in request:
            return AIMessage(content=_rewrite_document(request, facts))
        if "Reference answer:" in request and '"label"' in request:
            return AIMessage(content=_judge_verdict(request))
        return AIMessage(content=_chat_reply(system, messages))

    calls: list[dict] = []
    existing = _existing_instances(system)
    if "UserProfile" in names or 'schema_type="UserProfile"' in system:
        if existing:
            doc_id, current = existing[0]
            patches = _profile_patches(current, facts)
            calls.append(_call("PatchDoc", {"json_doc_id": doc_id, "planned_edits": "apply new facts", "patches": patches}))
        else:
            calls.append(_call("UserProfile", _profile_args(facts)))
    elif "Memory" in names:
        by_stem = {_stem(value.get("content", "")): doc_id for doc_id, value in existing}
        contents = {doc_id: value.get("content") for doc_id, value in existing}
        for field, value in facts:
            sentence = SENTENCES[field].format(value)
            doc_id = by_stem.get(_stem(sentence))
            if doc_id is None:
                calls.append(_call("Memory", {"content": sentence}))
                by_stem[_stem(sentence)] = "pending"
            elif doc_id != "pending" and contents[doc_id] != sentence:
                patch = [{"op": "replace", "path": "/content", "value": sentence}]
                calls.append(_call("PatchDoc", {"json_doc_id": doc_id, "planned_edits": "update", "patches": patch}))
        if not calls and tool_choice != "auto" and existing:
            calls.append(_call("PatchDoc", {"json_doc_id": existing[0][0], "planned_edits": "none", "patches": []}))
    if tool_choice not in ("auto", "required"):
        calls = [c for c in calls if c["name"] == tool_choice] or calls
    if not calls:
        return AIMessage(content="Nothing new to remember.")
    return AIMessage(content="", tool_calls=calls)


def normalize_tool_choice(tool_choice: Any) -> str:
    """LangChain's and OpenAI's spellings of tool_choice, as 'auto'/'none'/'required'/<name>."""
    if tool_choice in (None, "auto", False):
        return "auto"
    if tool_choice in ("any", "required", True):
        return "required"
    if isinstance(tool_choice, dict):
        return tool_choice.get("function", {}).get("name") or tool_choice.get("name") or "required"
    return str(tool_choice)


class ScriptedChatModel(BaseChatModel):
    """In-process LangChain chat model over :func:`respond`; records every prompt it gets."""

    tools: list[dict] = Field(default_factory=list)
    tool_choice: str = "auto"
    prompts: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools, *, tool_choice=None, **kwargs):  # type: ignore[override]
        converted = [convert_to_openai_tool(t) for t in tools]
        return self.model_copy(
            update={"tools": converted, "tool_choice": normalize_tool_choice(tool_choice)}
        )

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.prompts.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=respond(messages, self.tools, self.tool_choice))])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        message = self._generate(messages).generations[0].message
        if message.tool_calls:
            chunks = [
                {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i}
                for i, c in enumerate(message.tool_calls)
            ]
            yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=chunks))
            return
        for word in re.findall(r"\S+\s*", message.text):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=word))
            if run_manager:
                run_manager.on_llm_new_token(word, chunk=chunk)
            yield chunk

    def prompt_texts(self) -> list[str]:
        """Every prompt received so far, each flattened to one string."""
        return ["\n".join(m.text for m in prompt) for prompt in self.prompts]
