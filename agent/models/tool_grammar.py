"""Keep a small local model's tool calls valid: bounded grammars, grounded values, patches it cannot get wrong.

Measured with SmolLM2-135M: under a plain JSON-schema grammar it repeats list items until it runs
out of tokens, fills every field with invented values, and in trustcall's PatchDoc call invents the
document id and the JSON-pointer path (trustcall then drops the patch silently). What it does well
is copy facts out of the user's words into a small JSON object. So:

- every array and free string gets an upper bound, and every field is written (null allowed);
- the model never writes PatchDoc itself: it extracts the new facts, and the patch is computed
  against the existing documents, so ids and paths are real by construction;
- values the user never said (checked word by word against the conversation) are dropped, lists
  are de-duplicated, and the result is checked before it becomes a tool call;
- the user's words behind each value (the ``quotes`` a memory writer asks for) are never generated either:
  each value is grounded in the user's words already, so its quote is the clause of theirs it came from.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from typing import Any

from agent.prompts import QUOTE_MARK
from agent.words import terms

MAX_ITEMS = 4
MAX_STRING = 80
PATCH_TOOL = "PatchDoc"
NOTHING_NEW = "NothingNew"
# Computed here, never generated: patches from extracted facts; "nothing new" when none is grounded;
# deletions not at all (a 135M model cannot tell a retraction from a mention).
NOT_GENERATED = frozenset({PATCH_TOOL, NOTHING_NEW, "ForgetMemory"})
QUOTES = "quotes"  # a memory writer's list of the user's words behind each value: computed, never generated
GROUNDED_SHARE = 0.5
SAME_TOPIC_SHARE = 0.5

_INSTANCE = re.compile(r'<instance id=(\S+) schema_type="([^"]+)">\n(.*?)\n</instance>', re.S)
_DROP = {"title", "default", "examples", "$defs", "definitions", "description"}


# -- grammars -----------------------------------------------------------------------------


def _resolve(schema: Any, defs: dict) -> Any:
    """Inline local $refs and drop keys the grammar does not need."""
    if isinstance(schema, list):
        return [_resolve(s, defs) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        target = defs[schema["$ref"].split("/")[-1]]
        return _resolve({**target, **{k: v for k, v in schema.items() if k != "$ref"}}, defs)
    resolved = {k: _resolve(v, defs) for k, v in schema.items() if k not in _DROP and k != "properties"}
    if "properties" in schema:
        resolved["properties"] = {name: _resolve(s, defs) for name, s in schema["properties"].items()}
    return resolved


def bounded(schema: dict) -> dict:
    """``schema`` with refs inlined, nullable fields made plain, every free string and array bounded."""
    defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    resolved = _resolve(copy.deepcopy(schema), defs)

    def bound(node: Any) -> Any:
        if isinstance(node, list):
            return [bound(child) for child in node]
        if not isinstance(node, dict):
            return node
        node = {k: bound(v) if k != "properties" else {p: bound(s) for p, s in v.items()} for k, v in node.items()}
        kind = node.get("type")
        if kind == "string" and "enum" not in node and "const" not in node:
            node["maxLength"] = min(node.get("maxLength", MAX_STRING), MAX_STRING)
        if kind == "array":
            node["maxItems"] = min(node.get("maxItems", MAX_ITEMS), MAX_ITEMS)
        if kind == "object" and "properties" in node:
            # Every field is written (optional ones may be null): left to choose, the model fills the
            # first field with whatever it saw; made to go field by field, the true value lands in its
            # field and invented ones are dropped by `grounded`.
            node["required"] = list(node["properties"])
            node["additionalProperties"] = False
        return node

    return bound(resolved)


def document_shape(documents: list[dict]) -> dict:
    """A schema for the fields the existing documents have: strings, and lists of strings."""
    properties: dict[str, dict] = {}
    for document in documents:
        for key, value in document.items():
            if key == QUOTES:
                continue
            if isinstance(value, list):
                properties[key] = {
                    "type": "array",
                    "items": {"type": "string", "maxLength": MAX_STRING},
                    "maxItems": MAX_ITEMS,
                }
            elif not isinstance(value, dict):
                properties.setdefault(key, {"anyOf": [{"type": "null"}, {"type": "string", "maxLength": MAX_STRING}]})
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def list_of(schema: dict, at_least_one: bool) -> dict:
    return {"type": "array", "items": schema, "minItems": 1 if at_least_one else 0, "maxItems": MAX_ITEMS}


# -- reading trustcall's prompt -------------------------------------------------------------


def existing_documents(prompt: str) -> list[tuple[str, dict]]:
    """The (json_doc_id, document) pairs that trustcall lists in its update prompt."""
    found = []
    for doc_id, _schema_name, body in _INSTANCE.findall(prompt):
        try:
            document = ast.literal_eval(body)
        except (ValueError, SyntaxError):
            try:
                document = json.loads(body)
            except ValueError:
                continue
        if isinstance(document, dict):
            found.append((doc_id, document))
    return found


# -- checking what the model wrote ----------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s|(?<=[。！？])")


def _words(text: str) -> set[str]:
    return set(terms(text))


def grounded(value: Any, source: str) -> Any:
    """``value`` without the strings the conversation does not support; None when nothing is left."""
    said = _words(source)
    if isinstance(value, str):
        value = _SENTENCE_END.split(value.strip(), maxsplit=1)[0]  # the model rambles on after one fact
        words = _words(value)
        if not value.strip() or (words and len(words & said) / len(words) < GROUNDED_SHARE):
            return None
        if not words and value.lower() not in source.lower():
            return None
        return value.strip()
    if isinstance(value, list):
        kept, seen = [], set()
        for item in (grounded(v, source) for v in value):
            marker = json.dumps(item, sort_keys=True).lower()
            if item not in (None, {}, []) and marker not in seen:
                seen.add(marker)
                kept.append(item)
        return kept
    if isinstance(value, dict):
        fields = {k: grounded(v, source) for k, v in value.items()}
        return {k: v for k, v in fields.items() if v not in (None, [], {})}
    return value


def merge_patches(document: dict, facts: dict, source: str = "") -> list[dict]:
    """JSON patches that bring ``facts`` into ``document``: replace changed fields, append new list items; and,
    when ``document`` has a list of quotes, the user's words ``source`` behind each value patched in."""
    patches = []
    for key, value in facts.items():
        if key not in document:
            continue
        current = document[key]
        if isinstance(current, list):
            known = {json.dumps(v, sort_keys=True).lower() for v in current}
            for item in value if isinstance(value, list) else [value]:
                if json.dumps(item, sort_keys=True).lower() not in known:
                    patches.append({"op": "add", "path": f"/{key}/-", "value": item})
        elif value != current and not isinstance(value, list):
            patches.append({"op": "replace", "path": f"/{key}", "value": value})
    if isinstance(document.get(QUOTES), list):
        patched = [p["value"] for p in patches]
        patches += [{"op": "add", "path": f"/{QUOTES}/-", "value": q} for q in quotes_of(patched, source)]
    return patches


def same_topic(documents: list[tuple[str, dict]], item: dict) -> str | None:
    """The id of the existing document ``item`` most likely restates, if any shares enough words."""

    def text(document: dict) -> str:
        return " ".join(str(v) for v in document.values() if v not in (None, "", []))

    new = _words(text(item))
    best, best_share = None, SAME_TOPIC_SHARE
    for doc_id, document in documents:
        old = _words(text(document))
        if new and old:
            share = len(new & old) / min(len(new), len(old))
            if share >= best_share:
                best, best_share = doc_id, share
    return best


def patch_call(doc_id: str, patches: list[dict]) -> dict:
    return {
        "name": PATCH_TOOL,
        "args": {"json_doc_id": doc_id, "planned_edits": "apply the new facts", "patches": patches},
    }


# -- the user's words behind each value -------------------------------------------------------

_CLAUSES = re.compile(r"[^.!?;,\n。！？；，、]+")


def quote_for(value: str, source: str) -> str | None:
    """The clause of the user's words ``source`` that ``value`` was taken from, or None."""
    words = _words(value)
    best, best_share = None, GROUNDED_SHARE
    for clause in _CLAUSES.findall(source):
        said = _words(clause)
        if not said:
            continue
        share = len(words & said) / len(words) if words else float(value.lower() in clause.lower())
        if share >= best_share:
            best, best_share = clause.strip(), share
    return best


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for key, item in value.items() if key != QUOTES for s in _strings(item)]
    return []


def quotes_of(value: Any, source: str) -> list[dict]:
    """A quote ({fact, quote}) for every string in ``value`` that the user's words ``source`` hold."""
    return [{"fact": text, "quote": quote} for text in _strings(value) if (quote := quote_for(text, source))]


def without_quotes(schema: dict) -> dict:
    """A tool's parameters without the ``quotes`` field (it is computed, not generated)."""
    properties = {name: spec for name, spec in (schema.get("properties") or {}).items() if name != QUOTES}
    required = [name for name in schema.get("required", []) if name != QUOTES]
    return {**schema, "properties": properties, "required": required}


def quoted_lines(document: str, source: str) -> str:
    """A document with each line the user's words hold ending in those words (``<mark> "…"``)."""
    lines = []
    for line in document.splitlines():
        quote = quote_for(line, source) if line.strip() and QUOTE_MARK not in line else None
        lines.append(f'{line.rstrip()} {QUOTE_MARK} "{quote}"' if quote else line)
    return "\n".join(lines)


# -- verifying claims (a memory write's check of what it will keep) ----------------------------------------------

VERDICTS_TOOL = "Verdicts"
_CLAIM = re.compile(r'^(\d+)\. (no longer true: )?"(.*)"\n\s+the user said: (.*)$', re.M)


def word_verdicts(prompt: str) -> dict:
    """Verdicts a 135M model cannot reach by reading: a claim holds when the user's words it rests on hold most of
    its words (a new fact), or name one of them (a take-back). A word check, not an understanding."""
    verdicts = []
    for number, gone, fact, said in _CLAIM.findall(prompt):
        words, heard = _words(fact), _words(said)
        share = len(words & heard) / len(words) if words else 0.0
        holds = share > 0 if gone else share >= GROUNDED_SHARE
        verdicts.append({"claim": int(number), "holds": holds, "reason": "" if holds else "not in the user's words"})
    return {"verdicts": verdicts}
