"""A scripted chat model for tests: every reply and tool call is derived from the prompt it gets.

It understands what `devtools.scripted_facts` says a user may state, and writes it down phrased the way real
models phrase extractions (reworded, abbreviations spelt out), quoting the user's words imperfectly, as real
models do. For the conversations of the grounding sets (`bench/data/grounding.json`) it proposes what the set
records a real model proposing (`devtools.recorded_phrasings`). It reads the formats this project and trustcall
put into prompts, so tests exercise the real prompt -> model -> tool call -> store path with no network and no
canned answers. It answers a write's verification call as `devtools.scripted_verifier` says. The same brain
serves in-process (``ScriptedChatModel``) and over HTTP as an OpenAI-compatible endpoint
(``devtools/scripted_openai.py``).

It can also misbehave the way real models do (``MODES``): each mode is one known failure, applied to every
memory-writing call while it is on (the verifier modes to the verification call only); chat replies are never
affected.
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

from agent.memory.api import EXCERPTS_HEADING
from agent.memory.write.grounding import normalised
from devtools import scripted_verifier
from devtools.recorded_phrasings import case_for
from devtools.scripted_facts import (
    SENTENCES,
    Stated,
    called_in,
    facts_in,
    field_of,
    field_values_in,
    instructions_in,
    retractions_in,
    statements_in,
    user_utterances,
)

__all__ = ["MODES", "SENTENCES", "ScriptedChatModel", "normalize_tool_choice", "respond"]

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
    "inventive": f"adds a fact the user never said to every write (they love {INVENTED}), quoting words never said",
    "misfiling": 'files what the user likes as their job too ("I like chess" -> job: Chess player)',
    "gullible": "verifies every claim as true",
    "doubtful": "verifies every claim as false",
    "garbled": "answers every verification in prose, with no verdicts",
}
VERIFIER_MODES = ("gullible", "doubtful", "garbled")
NOTHING_NEW = "NothingNew"
REMOVE = "ForgetMemory"
PATCH = "PatchDoc"
QUOTE_MARK = "<-"


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


MOST_FACTS_SAID = 8
MOST_EXCERPTS_SAID = 3


def _short(text: str, most: int = 100) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _chat_reply(system: str, messages: Sequence[BaseMessage]) -> str:
    """What a chatbot answers from its memory: a few facts and a few of the user's earlier words, short."""
    memory = system.split("What you remember about the user:", 1)[-1]
    memory = memory.split("Current time", 1)[0].split("How the user wants you to answer", 1)[0].strip()
    following = _section(system, "How the user wants you to answer", "Current time")
    follows = f" (I follow your instructions: {following})" if following and following != "(none given)" else ""
    if not memory or memory == "(nothing yet)":
        return f"Nice to meet you! I don't know anything about you yet.{follows}"
    known, _, earlier = memory.partition(EXCERPTS_HEADING)
    facts = [_short(ln.strip("- ").strip()) for ln in known.splitlines() if ln.strip()]
    said = [
        _short(m.group(1).replace(" / you: ", " / I said: "), 160)  # "you" in the prompt is the bot: here, "I"
        for m in re.finditer(r"^\[[^\]]*\] user: (.*)$", earlier, re.M)
    ]
    parts = []
    if facts:
        more = f" (and {len(facts) - MOST_FACTS_SAID} more)" if len(facts) > MOST_FACTS_SAID else ""
        listed = "; ".join(fact.rstrip(".") for fact in facts[:MOST_FACTS_SAID])
        parts.append(f"Here is what I remember about you: {listed}{more}.")
    if said:
        quoted = "; ".join(f'"{words}"' for words in said[:MOST_EXCERPTS_SAID])
        parts.append(f"From our earlier conversations: {quoted}.")
    return " ".join(parts) + follows


def _section(system: str, heading: str, before: str) -> str:
    """The lines of ``system`` under the line that starts with ``heading``, up to ``before``."""
    if heading not in system:
        return ""
    body = system.split(heading, 1)[1].split("\n", 1)[-1]
    return " ".join(line.strip() for line in body.split(before, 1)[0].splitlines() if line.strip())


def _judge_verdict(request: str) -> str:
    """The benchmark judge's JSON verdict: CORRECT when the answer holds every word of the reference answer."""
    fields = dict(re.findall(r"^(Reference answer|Assistant's answer): (.*)$", request, re.M))

    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z0-9]+", text.lower()))

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


def _quoted(fact: str, quote: str) -> dict:
    return {"fact": fact, "quote": quote}


def _quote_patch(fact: str, quote: str) -> dict:
    return {"op": "add", "path": "/quotes/-", "value": _quoted(fact, quote)}


def _marked(line: str, quote: str) -> str:
    return f'{line} {QUOTE_MARK} "{quote}"'


def _as_misread(facts: list[Stated], mode: str) -> list[Stated]:
    """The facts a misbehaving model writes down instead of what the user said."""
    if mode == "inventive":
        return [*facts, Stated("interests", INVENTED, f"i love {INVENTED}")]
    if mode == "misfiling":
        return [*facts, *(Stated("job", f"{f.value} player", f.quote) for f in facts if f.field == "interests")]
    return facts


# -- what it writes down, from what it understands -------------------------------------------------------------


def _current_lines(prompt: str) -> list[str]:
    current = prompt.split("Current document:", 1)[1].split("\n\n", 1)[0].strip()
    return [] if current in ("", "(empty)") else [line.strip() for line in current.splitlines() if line.strip()]


def _rewrite_document(prompt: str, facts: list[Stated], retracted: list[str], mode: str) -> str:
    lines = [] if mode == "forgetful" else _current_lines(prompt)
    for fact in facts:
        sentence = fact.sentence()
        if sentence in lines:
            continue
        same = [i for i, line in enumerate(lines) if fact.field != "interests" and field_of(line) == fact.field]
        if same:
            lines[same[0]] = _marked(sentence, fact.quote)
        else:
            lines.append(_marked(sentence, fact.quote))
    gone = {SENTENCES["interests"].format(value) for value in retracted}
    return "\n".join(line for line in lines if line not in gone)


def _profile_args(facts: list[Stated]) -> dict:
    args: dict[str, Any] = {"interests": [], "quotes": []}
    for fact in facts:
        if fact.field == "interests":
            args["interests"].append(fact.value)
        else:
            args[fact.field] = fact.profile_value()
        args["quotes"].append(_quoted(f"{fact.field}: {fact.profile_value()}", fact.quote))
    return args


def _profile_patches(current: dict, facts: list[Stated], retracted: list[str]) -> list[dict]:
    patches: list[dict] = []
    interests = list(current.get("interests") or [])
    for fact in facts:
        value = fact.profile_value()
        if fact.field == "interests":
            if value in interests:
                continue
            interests.append(value)
            patches.append({"op": "add", "path": "/interests/-", "value": value})
        elif current.get(fact.field) != value:
            current = {**current, fact.field: value}
            patches.append({"op": "replace", "path": f"/{fact.field}", "value": value})
        else:
            continue
        patches.append(_quote_patch(f"{fact.field}: {value}", fact.quote))
    gone = sorted((i for i, v in enumerate(interests) if v in retracted), reverse=True)  # highest index first
    return patches + [{"op": "remove", "path": f"/interests/{i}"} for i in gone]


def _fields_of(tools: Sequence[dict], tool: str) -> dict[str, dict]:
    """The parameters (name -> JSON schema) of ``tool`` among ``tools``; {} when it is not offered."""
    for offered in tools:
        if _tool_name(offered) == tool:
            return dict(offered["function"].get("parameters", {}).get("properties", {}))
    return {}


def _is_list(spec: dict) -> bool:
    return any(shape.get("type") == "array" for shape in spec.get("anyOf", [spec]))


def _other_fields(fields: dict[str, dict], current: dict, said: list[str]) -> tuple[dict, list[dict], list[dict]]:
    """The fields of a record the brain has no script for, filled from "my <field> is/are ..." (a field added to
    a kind): the values for a new record, the patches for ``current``, and their quotes."""
    values: dict[str, Any] = {}
    patches, quotes = [], []
    for field, spec in fields.items():
        if field in SENTENCES or field in ("connections", "quotes"):
            continue
        for value, quote in field_values_in(said, field):
            if _is_list(spec):
                if value in (current.get(field) or []) or value in values.get(field, []):
                    continue
                values.setdefault(field, []).append(value)
                patches.append({"op": "add", "path": f"/{field}/-", "value": value})
            elif current.get(field) != value:
                values[field] = value
                patches.append({"op": "replace", "path": f"/{field}", "value": value})
            else:
                continue
            quotes.append(_quoted(f"{field}: {value}", quote))
    return values, patches, quotes


def _profile_calls(
    existing: list[tuple[str, dict]], facts: list[Stated], retracted, mode: str, fields: dict, said: list[str]
) -> list[dict]:
    current = existing[0][1] if existing else {}
    others, other_patches, other_quotes = _other_fields(fields or dict.fromkeys(current, {}), current, said)
    if not existing:
        args = _profile_args(facts)
        return [_call("UserProfile", {**args, **others, "quotes": args["quotes"] + other_quotes})]
    doc_id = existing[0][0]
    if mode == "forgetful":
        whole = {**_profile_args(facts), "connections": []}
        return [_patch(doc_id, [{"op": "replace", "path": "", "value": whole}], mode)]
    patches = _profile_patches(current, facts, retracted)
    patches += other_patches + [{"op": "add", "path": "/quotes/-", "value": q} for q in other_quotes]
    if mode == "destructive" and current.get("name"):
        patches.append({"op": "remove", "path": "/name"})
    return [_patch(doc_id, patches, mode)]


def _collection_calls(existing: list[tuple[str, dict]], facts: list[Stated], retracted, names, mode: str) -> list:
    contents = {doc_id: str(value.get("content", "")) for doc_id, value in existing}
    calls: list[dict] = []
    written: set[str] = set()
    for fact in facts:
        sentence = fact.sentence()
        if sentence in written or (mode != "duplicating" and sentence in contents.values()):
            continue
        written.add(sentence)
        same = [d for d, c in contents.items() if fact.field != "interests" and field_of(c) == fact.field]
        quote = [_quoted(sentence, fact.quote)]
        if same and mode != "duplicating":
            patches = [{"op": "replace", "path": "/content", "value": sentence}, _quote_patch(sentence, fact.quote)]
            calls.append(_patch(same[0], patches, mode))
            contents[same[0]] = sentence
            continue
        unrelated = [d for d, c in contents.items() if field_of(c) != fact.field]
        if mode == "destructive" and unrelated:  # overwrites a fact it was not asked about
            patches = [{"op": "replace", "path": "/content", "value": sentence}, _quote_patch(sentence, fact.quote)]
            calls.append(_patch(unrelated[0], patches, mode))
        else:
            calls.append(_call("Memory", {"content": sentence, "quotes": quote}))
    if REMOVE in names:
        for value in retracted:
            gone = [d for d, c in contents.items() if c == SENTENCES["interests"].format(value)]
            calls += [_call(REMOVE, {"json_doc_id": d}) for d in gone[:1]]
    if not calls and mode == "duplicating" and existing:  # made to choose, it restates a stored fact
        calls.append(_call("Memory", {"content": existing[0][1].get("content", "")}))
    return calls


def _any_kind_calls(tool: dict, existing: list[tuple[str, dict]], said: list[str]) -> list[dict]:
    """A kind the brain has no script for (one a developer declared): each first-person sentence of the user's
    fills the kind's first text field, written as a real model writes it, quoted; a field the user named ("my
    status is ...") gets what they said; other required fields their empty value."""
    parameters = tool["function"].get("parameters", {})
    fields = {name: spec for name, spec in parameters.get("properties", {}).items() if name != "quotes"}
    texts = [name for name, spec in fields.items() if not _is_list(spec)]
    if not texts:
        return []
    required = [name for name in parameters.get("required", []) if name in fields]
    first = next((name for name in required if name in texts), texts[0])
    named, _, named_quotes = _other_fields({k: v for k, v in fields.items() if k != first}, {}, said)
    held = {str(value.get(first, "")) for _, value in existing}
    calls = []
    for written, quote in statements_in(said):
        if written in held:
            continue
        args: dict[str, Any] = {name: [] if _is_list(fields[name]) else "" for name in required}
        args.update(named)
        args[first] = written
        if first in ("name", "title") and (name := called_in(quote)):
            args[first] = name  # "a project called Atlas": a model fills the name, not the sentence
        args["quotes"] = [_quoted(args[first], quote), *named_quotes]
        calls.append(_call(_tool_name(tool), args))
    return calls


def _instruction_calls(existing: list[tuple[str, dict]], instructions: list[tuple[str, str]]) -> list[dict]:
    """An instruction on what an existing one is about ('Respond in ...') replaces it; others are inserted."""
    calls = []
    for instruction, quote in instructions:
        topic = instruction.split(" in ")[0] if " in " in instruction else instruction
        same = [(d, v) for d, v in existing if str(v.get("content", "")).startswith(topic)]
        if not same:
            calls.append(_call("Instruction", {"content": instruction, "quotes": [_quoted(instruction, quote)]}))
        elif same[0][1].get("content") != instruction:
            patches = [{"op": "replace", "path": "/content", "value": instruction}, _quote_patch(instruction, quote)]
            calls.append(_patch(same[0][0], patches, "honest"))
    return calls


# -- what the grounding sets record a real model proposing ------------------------------------------------------


def _replayed_document(prompt: str, case: dict) -> str:
    stored = normalised((case.get("stored") or {}).get("sentence") or "")
    lines = [line for line in _current_lines(prompt) if not stored or normalised(line) != stored]
    lines += [_marked(p["sentence"], p["quote"]) for p in case["proposed"] if p.get("sentence")]
    return "\n".join(lines)


def _replayed_profile(existing: list[tuple[str, dict]], case: dict) -> list[dict]:
    current = existing[0][1] if existing else {}
    patches: list[dict] = []
    quotes = []
    for proposed in case["proposed"]:
        for field, value in (proposed.get("profile") or {}).items():
            if field in ("connections", "interests"):
                patches.append({"op": "add", "path": f"/{field}/-", "value": value})
            else:
                patches.append({"op": "replace", "path": f"/{field}", "value": value})
            quotes.append(_quoted(f"{field}: {value}", proposed["quote"]))
    set_now = {p["path"].split("/")[1] for p in patches}
    for field, value in ((case.get("stored") or {}).get("profile") or {}).items():
        if field in set_now:
            continue  # replaced by the new value
        if isinstance(current.get(field), list) and value in current[field]:
            patches.append({"op": "remove", "path": f"/{field}/{current[field].index(value)}"})
        elif current.get(field) == value:
            patches.append({"op": "replace", "path": f"/{field}", "value": None})
    if not existing:
        args: dict[str, Any] = {"quotes": quotes}
        for patch in patches:
            field = patch["path"].split("/")[1]
            args[field] = [*args.get(field, []), patch["value"]] if patch["path"].endswith("-") else patch["value"]
        return [_call("UserProfile", args)]
    return [_patch(existing[0][0], patches + [{"op": "add", "path": "/quotes/-", "value": q} for q in quotes], "")]


def _replayed_items(existing: list[tuple[str, dict]], case: dict, tool: str, text: str, names) -> list[dict]:
    stored = normalised((case.get("stored") or {}).get(text) or "")
    target = next((d for d, v in existing if stored and normalised(str(v.get("content", ""))) == stored), None)
    calls: list[dict] = []
    if target and case["label"] == "retraction" and REMOVE in names:
        calls.append(_call(REMOVE, {"json_doc_id": target}))
    for proposed in case["proposed"]:
        if not proposed.get(text):
            continue
        quote = _quoted(proposed[text], proposed["quote"])
        if target and case["label"] == "correction":
            patches = [{"op": "replace", "path": "/content", "value": proposed[text]}, _quote_patch(**quote)]
            calls.append(_patch(target, patches, ""))
            target = None
        else:
            calls.append(_call(tool, {"content": proposed[text], "quotes": [quote]}))
    if not calls and NOTHING_NEW in names:
        calls.append(_call(NOTHING_NEW, {"reason": "nothing new about the user"}))
    return calls


def _replayed(case: dict, names: list[str], system: str) -> list[dict]:
    existing = _existing_instances(system)
    if "UserProfile" in names or 'schema_type="UserProfile"' in system:
        return _replayed_profile(existing, case)
    if "Instruction" in names:
        return _replayed_items(existing, case, "Instruction", "instruction", names)
    return _replayed_items(existing, case, "Memory", "sentence", names)


def respond(
    messages: Sequence[BaseMessage], tools: Sequence[dict], tool_choice: str, mode: str = "honest"
) -> AIMessage:
    """The scripted reply to ``messages`` given OpenAI-format ``tools`` and ``tool_choice``, in ``mode``.

    ``tool_choice`` is 'auto', 'none', 'required' or the name of a tool; ``mode`` one of ``MODES``.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    system = _system_text(messages)
    names = [_tool_name(t) for t in tools] if tool_choice != "none" else []
    if scripted_verifier.TOOL in names:
        return scripted_verifier.verdicts(messages[-1].text, mode if mode in VERIFIER_MODES else "honest")
    writing = "honest" if mode in VERIFIER_MODES else mode
    said = user_utterances(messages)
    facts, retracted = _as_misread(facts_in(said), writing), retractions_in(said)
    case = case_for(said, "instructions" if "Instruction" in names else "facts") if writing == "honest" else None
    if not names:
        request = messages[-1].text if messages else ""
        if "Current document:" in request:
            if case is not None or case_for(said, "instructions") is not None:
                return AIMessage(content=_replayed_document(request, case) if case else "")
            return AIMessage(content=_rewrite_document(request, facts, retracted, writing))
        if "Reference answer:" in request and '"label"' in request:
            return AIMessage(content=_judge_verdict(request))
        return AIMessage(content=_chat_reply(system, messages))
    if writing == "text_only":
        return AIMessage(content="I noted what you said about yourself.")

    calls: list[dict] = []
    existing = _existing_instances(system)
    if case is not None:
        calls = _replayed(case, names, system)
    elif "UserProfile" in names or 'schema_type="UserProfile"' in system:
        calls = _profile_calls(existing, facts, retracted, writing, _fields_of(tools, "UserProfile"), said)
    elif "Instruction" in names:
        calls = _instruction_calls(existing, instructions_in(said))
        if not calls and NOTHING_NEW in names:
            calls.append(_call(NOTHING_NEW, {"reason": "the user gave no instruction"}))
    elif "Memory" in names:
        calls = _collection_calls(existing, facts, retracted, names, writing)
        if not calls and NOTHING_NEW in names:
            calls.append(_call(NOTHING_NEW, {"reason": "the conversation states nothing new about the user"}))
        elif not calls and tool_choice != "auto" and existing:  # forced, with no way to say "nothing new"
            calls.append(_call(PATCH, {"json_doc_id": existing[0][0], "planned_edits": "none", "patches": []}))
    elif kinds := [t for t in tools if _tool_name(t) not in (PATCH, REMOVE, NOTHING_NEW)]:
        calls = _any_kind_calls(kinds[0], existing, said)
        if not calls and NOTHING_NEW in names:
            calls.append(_call(NOTHING_NEW, {"reason": "the conversation states nothing new about the user"}))
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
