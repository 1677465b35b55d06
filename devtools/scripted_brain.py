"""A scripted chat model for tests: every reply and tool call is derived from the prompt it gets.

It understands a handful of English statements about the user ("I'm Lance", "I live in X",
"I moved to X", "I work as a X", "I like X") and retractions ("forget that I like X", "I no longer
like X", "I don't like X anymore"), and the formats this project and trustcall put into prompts, so
tests exercise the real prompt -> model -> tool call -> store path with no network and no canned
answers. The same brain serves in-process (``ScriptedChatModel``) and over HTTP as an
OpenAI-compatible endpoint (``devtools/scripted_openai.py``).

It can also misbehave the way real models do (``MODES``): each mode is one known failure, applied
to every memory-writing call while it is on; chat replies are never affected.
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
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

_LEAD = r"(?i:\b{})\s+"
_PLACE = r"([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)"
_PHRASE = r"([a-z][\w' -]*?)\s*(?:[.,!?;]|\band\b|$)"
FACT_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("name", re.compile(_LEAD.format("(?:my name is|i'm|i am|call me)") + r"(?!(?:a|an|from|in)\b)([A-Z][a-z]+)")),
    (
        "location",
        re.compile(
            _LEAD.format("(?:i live in|i moved to|i moved from .+? to|i now live in|i'm from|i am from)") + _PLACE
        ),
    ),
    ("job", re.compile(_LEAD.format("(?:i work as an?|i work as|my job is)") + _PHRASE)),
    ("interests", re.compile(_LEAD.format("(?:i like|i love|i enjoy)") + _PHRASE)),
]

# How the user wants the bot to answer (procedural memory), and the instruction each becomes.
INSTRUCTION_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\bkeep (?:it|your answers|answers|your replies) (short|brief)", re.I), "Keep answers short."),
    (re.compile(r"\b(?:answer|reply|respond|talk|speak) (?:to me )?in ([A-Z][a-z]+)"), "Answer in {}."),
    (re.compile(r"\b(?:don't|do not) suggest ([\w' -]+?)(?:[.,!?;]|$)", re.I), "Do not suggest {}."),
]

RETRACTION = re.compile(
    _LEAD.format("(?:forget that i|i no longer|i don't|i do not)") + r"(?:like|love|enjoy)\s+" + _PHRASE
)
_ANYMORE = re.compile(r"\s+any\s?more$", re.I)

INVENTED = "skydiving"
MODES = {
    "honest": "does what the prompt asks",
    "forgetful": "rewrites a document from the newest conversation only (semantic text; the profile by one "
    "whole-document patch), dropping what was stored",
    "text_only": "answers every memory extraction in prose and never calls a tool",
    "duplicating": "inserts a new collection item for every fact it reads, stored or not, and never says nothing new",
    "bad_doc_id": "patches under a json_doc_id that does not exist",
    "bad_path": "patches a field path that does not exist",
    "destructive": "removes the stored name from the profile; overwrites an unrelated collection item with a new fact",
    "inventive": f"adds a fact the user never said to every write (they like {INVENTED})",
    "misfiling": 'files what the user likes as their job too ("I like chess" -> job: chess player)',
}
NOTHING_NEW = "NothingNew"
REMOVE = "ForgetMemory"
PATCH = "PatchDoc"

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
    """(field, value) pairs stated by the user, in the order they were said (retractions left out)."""
    facts = []
    for text in utterances:
        text = RETRACTION.sub(" . ", text)
        for field, pattern in FACT_PATTERNS:
            facts += [(field, m.group(1).strip()) for m in pattern.finditer(text)]
    return facts


def instructions_in(utterances: Sequence[str]) -> list[str]:
    """The instructions the user gave about how the bot should answer, as the bot writes them down."""
    found = []
    for text in utterances:
        for pattern, instruction in INSTRUCTION_PATTERNS:
            found += [instruction.format(m.group(1).strip()) for m in pattern.finditer(text)]
    return found


def retractions_in(utterances: Sequence[str]) -> list[str]:
    """The interests the user takes back ("forget that I like chess" -> "chess")."""
    return [_ANYMORE.sub("", m.group(1).strip()) for text in utterances for m in RETRACTION.finditer(text)]


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


def _profile_patches(current: dict, facts: list[tuple[str, str]], retracted: list[str]) -> list[dict]:
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
    gone = sorted((i for i, v in enumerate(interests) if v in retracted), reverse=True)  # highest index first
    return patches + [{"op": "remove", "path": f"/interests/{i}"} for i in gone]


def _stem(sentence: str) -> str:
    """The part of a canonical sentence that names what it is about ('The user lives in')."""
    for field, template in SENTENCES.items():
        prefix = template.split("{}")[0]
        if sentence.startswith(prefix):
            return sentence if field == "interests" else prefix
    return sentence


def _rewrite_document(prompt: str, facts: list[tuple[str, str]], retracted: list[str], mode: str) -> str:
    current = prompt.split("Current document:", 1)[1].split("\n\n", 1)[0]
    lines = [ln.strip() for ln in current.strip().splitlines() if ":" in ln]
    entries: list[list[str]] = [[k.strip(), v.strip()] for k, v in (ln.split(":", 1) for ln in lines)]
    if mode == "forgetful":
        entries = []
    for field, value in facts:
        label = DOC_LABELS[field]
        same = [e for e in entries if e[0] == label and (field != "interests" or e[1] == value)]
        if same:
            same[0][1] = value
        else:
            entries.append([label, value])
    entries = [e for e in entries if not (e[0] == DOC_LABELS["interests"] and e[1] in retracted)]
    return "\n".join(f"{k}: {v}" for k, v in entries)


def _chat_reply(system: str, messages: Sequence[BaseMessage]) -> str:
    memory = system.split("What you remember about the user:", 1)[-1]
    memory = memory.split("Current time", 1)[0].split("How the user wants you to answer", 1)[0].strip()
    following = _section(system, "How the user wants you to answer", "Current time")
    follows = f" (I follow your instructions: {following})" if following and following != "(none given)" else ""
    if not memory or memory == "(nothing yet)":
        return f"Nice to meet you! I don't know anything about you yet.{follows}"
    remembered = "; ".join(ln.strip("- ").strip() for ln in memory.splitlines() if ln.strip())
    return f"Here is what I remember about you: {remembered}{follows}"


def _section(system: str, heading: str, before: str) -> str:
    """The lines of ``system`` under the line that starts with ``heading``, up to ``before``."""
    if heading not in system:
        return ""
    body = system.split(heading, 1)[1].split("\n", 1)[-1]
    return " ".join(line.strip() for line in body.split(before, 1)[0].splitlines() if line.strip())


def _judge_verdict(request: str) -> str:
    """The benchmark judge's JSON verdict: CORRECT when the answer holds every word of the reference answer."""
    fields = dict(re.findall(r"^(Reference answer|Assistant's answer): (.*)$", request, re.M))
    words = lambda text: set(re.findall(r"[a-z0-9]+", text.lower()))  # noqa: E731
    reference, answer = words(fields.get("Reference answer", "")), words(fields.get("Assistant's answer", ""))
    correct = bool(reference) and reference <= answer
    reasoning = "the answer holds the reference" if correct else "the answer misses part of the reference"
    return json.dumps({"reasoning": reasoning, "label": "CORRECT" if correct else "WRONG"})


def _patch(doc_id: str, patches: list[dict], mode: str) -> dict:
    """A PatchDoc call, spoilt the way ``mode`` says."""
    if mode == "bad_doc_id":
        doc_id = "no-such-memory"
    if mode == "bad_path":
        patches = [{"op": "replace", "path": "/no_such_field", "value": p.get("value")} for p in patches]
    return _call(PATCH, {"json_doc_id": doc_id, "planned_edits": "apply the new facts", "patches": patches})


def _profile_calls(existing: list[tuple[str, dict]], facts, retracted, mode: str) -> list[dict]:
    if not existing:
        return [_call("UserProfile", _profile_args(facts))]
    doc_id, current = existing[0]
    if mode == "forgetful":
        whole = {**_profile_args(facts), "connections": []}
        return [_patch(doc_id, [{"op": "replace", "path": "", "value": whole}], mode)]
    patches = _profile_patches(current, facts, retracted)
    if mode == "destructive" and current.get("name"):
        patches.append({"op": "remove", "path": "/name"})
    return [_patch(doc_id, patches, mode)]


def _collection_calls(existing: list[tuple[str, dict]], facts, retracted, names: list[str], mode: str) -> list[dict]:
    by_stem = {_stem(value.get("content", "")): doc_id for doc_id, value in existing}
    contents = {doc_id: value.get("content") for doc_id, value in existing}
    calls: list[dict] = []
    for field, value in facts:
        sentence = SENTENCES[field].format(value)
        doc_id = None if mode == "duplicating" else by_stem.get(_stem(sentence))
        if doc_id is None:
            unrelated = [d for d, v in existing if _stem(v.get("content", "")) != _stem(sentence)]
            if mode == "destructive" and unrelated:  # overwrites a fact it was not asked about
                calls.append(_patch(unrelated[0], [{"op": "replace", "path": "/content", "value": sentence}], mode))
            else:
                calls.append(_call("Memory", {"content": sentence}))
            by_stem[_stem(sentence)] = "pending"
        elif doc_id != "pending" and contents[doc_id] != sentence:
            calls.append(_patch(doc_id, [{"op": "replace", "path": "/content", "value": sentence}], mode))
    if REMOVE in names:
        for value in retracted:
            gone = by_stem.get(SENTENCES["interests"].format(value))
            if gone not in (None, "pending"):
                calls.append(_call(REMOVE, {"json_doc_id": gone}))
    if not calls and mode == "duplicating" and existing:  # made to choose, it restates a stored fact
        calls.append(_call("Memory", {"content": existing[0][1].get("content", "")}))
    return calls


def _instruction_calls(existing: list[tuple[str, dict]], instructions: list[str]) -> list[dict]:
    """An instruction on what an existing one is about ('Answer in ...') replaces it; others are inserted."""
    calls = []
    for instruction in instructions:
        topic = instruction.split(" in ")[0] if " in " in instruction else instruction
        same = [doc_id for doc_id, value in existing if str(value.get("content", "")).startswith(topic)]
        if not same:
            calls.append(_call("Instruction", {"content": instruction}))
        elif next(v for d, v in existing if d == same[0]).get("content") != instruction:
            calls.append(_patch(same[0], [{"op": "replace", "path": "/content", "value": instruction}], "honest"))
    return calls


def _as_misread(facts: list[tuple[str, str]], mode: str) -> list[tuple[str, str]]:
    """The facts a misbehaving model writes down instead of what the user said."""
    if mode == "inventive":
        return [*facts, ("interests", INVENTED)]
    if mode == "misfiling":
        return [*facts, *(("job", f"{value} player") for field, value in facts if field == "interests")]
    return facts


def respond(
    messages: Sequence[BaseMessage], tools: Sequence[dict], tool_choice: str, mode: str = "honest"
) -> AIMessage:
    """The scripted reply to ``messages`` given OpenAI-format ``tools`` and ``tool_choice``, in ``mode``.

    ``tool_choice`` is 'auto', 'none', 'required' or the name of a tool; ``mode`` one of ``MODES``.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    system = _system_text(messages)
    said = user_utterances(messages)
    facts, retracted = _as_misread(facts_in(said), mode), retractions_in(said)
    names = [_tool_name(t) for t in tools] if tool_choice != "none" else []
    if not names:
        request = messages[-1].text if messages else ""
        if "Current document:" in request:
            return AIMessage(content=_rewrite_document(request, facts, retracted, mode))
        if "Reference answer:" in request and '"label"' in request:
            return AIMessage(content=_judge_verdict(request))
        return AIMessage(content=_chat_reply(system, messages))
    if mode == "text_only":
        return AIMessage(content="I noted what you said about yourself.")

    calls: list[dict] = []
    existing = _existing_instances(system)
    if "UserProfile" in names or 'schema_type="UserProfile"' in system:
        calls = _profile_calls(existing, facts, retracted, mode)
    elif "Instruction" in names:
        calls = _instruction_calls(existing, instructions_in(said))
        if not calls and NOTHING_NEW in names:
            calls.append(_call(NOTHING_NEW, {"reason": "the user gave no instruction"}))
    elif "Memory" in names:
        calls = _collection_calls(existing, facts, retracted, names, mode)
        if not calls and NOTHING_NEW in names:
            calls.append(_call(NOTHING_NEW, {"reason": "the conversation states nothing new about the user"}))
        elif not calls and tool_choice != "auto" and existing:  # forced, with no way to say "nothing new"
            calls.append(_call(PATCH, {"json_doc_id": existing[0][0], "planned_edits": "none", "patches": []}))
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
    """In-process LangChain chat model over :func:`respond`; records every prompt it gets.

    ``misbehave(mode)`` switches it, and every copy bound to tools before, to one of ``MODES``.
    """

    tools: list[dict] = Field(default_factory=list)
    tool_choice: str = "auto"
    prompts: list[list[BaseMessage]] = Field(default_factory=list)
    behaviour: dict[str, str] = Field(default_factory=lambda: {"mode": "honest"})  # shared with bound copies

    def misbehave(self, mode: str = "honest") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        self.behaviour["mode"] = mode

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools, *, tool_choice=None, **kwargs):
        converted = [convert_to_openai_tool(t) for t in tools]
        return self.model_copy(update={"tools": converted, "tool_choice": normalize_tool_choice(tool_choice)})

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.prompts.append(list(messages))
        reply = respond(messages, self.tools, self.tool_choice, self.behaviour["mode"])
        return ChatResult(generations=[ChatGeneration(message=reply)])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        self.prompts.append(list(messages))
        message = respond(messages, self.tools, self.tool_choice, self.behaviour["mode"])
        if message.tool_calls:
            chunks = [
                tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i)
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
