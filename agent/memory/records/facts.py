"""What a stored memory asserts, fact by fact: the unit the write guards protect.

Each memory type splits a stored value into facts: a semantic document into its lines, a profile into
its fields and list entries, a collection item into its one ``content``. A fact has content words (the
retrieval tokenizer's terms), a subject (what it is about: a label, a field, or its first content word)
and whether it holds a single value (a city, a name) that a correction replaces, or one of several
(an interest) that only a retraction removes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent.words import terms


@dataclass(frozen=True)
class Fact:
    text: str
    """How the fact reads in a report: 'Name: Lance', 'location: Boston', 'The user likes chess.'"""
    words: frozenset[str]
    subject: frozenset[str]
    single: bool = True
    """One value at a time: a new value on the same subject may replace it."""
    field: str = ""
    """Where the fact sits in its value: a record's field (a document's line and an item's content need none)."""
    entry: Any = None
    """A record's value of ``field`` this fact is (one entry of a list field)."""


FactsOf = Callable[[dict], list[Fact]]

_LABELLED = re.compile(r"^([^:]{1,40}):\s*\S")
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")
_HEDGES = frozenset({"now", "currently", "still", "also", "recently", "really", "actually", "usually", "often"})


def _words(text: str) -> frozenset[str]:
    return frozenset(terms(text))


def sentence_subject(text: str) -> frozenset[str]:
    """A line's subject: its label ('Location: Paris' -> location), else its first content word."""
    labelled = _LABELLED.match(text)
    if labelled and len(labelled.group(1).split()) <= 3:
        return _words(labelled.group(1))
    first = [t for t in terms(text) if t not in _HEDGES][:1]
    return frozenset(first)


def document_facts(value: dict) -> list[Fact]:
    """A free-text document: one fact per non-empty line."""
    lines = (_LIST_MARK.sub("", line).strip() for line in str(value.get("content") or "").splitlines())
    return [Fact(line, _words(line), sentence_subject(line)) for line in lines if terms(line)]


def record_facts(value: dict) -> list[Fact]:
    """A structured record (the profile): a fact per scalar field, one per entry of a list field."""
    facts = []
    for field, held in value.items():
        subject = frozenset({f"{field}:"})  # never a word, so only the same field shares it
        for entry in held if isinstance(held, list) else [held]:
            if entry not in (None, "", [], {}):
                text = f"{field}: {entry}"
                single = not isinstance(held, list)
                facts.append(Fact(text, _words(str(entry)), subject, single=single, field=field, entry=entry))
    return facts


def item_facts(value: dict) -> list[Fact]:
    """A collection item is one fact: its ``content`` (``context`` only says when or why it came up), or, for a
    kind without one, its fields' text together ('Garden shed; roof on')."""
    if "content" in value:
        text = str(value.get("content") or "").strip()
    else:
        held = (", ".join(map(str, v)) if isinstance(v, list) else v for v in value.values())
        text = "; ".join(str(v).strip() for v in held if isinstance(v, str | int | float) and str(v).strip())
    return [Fact(text, _words(text), sentence_subject(text))] if terms(text) else []


# Words that frame a memory rather than claim anything about the user ('The user likes ...', 'works as').
_FRAME = frozenset(
    terms(
        "user users like likes liked love loves enjoy enjoys prefer prefers favorite favourite interest interests "
        "hobby hobbies work works worked working job occupation profession live lives lived living home based name "
        "named call called go goes going want wants plan plans say says said told mention mentioned person people "
        "know knows fact currently still really now"
    )
)


def claim(fact: Fact) -> frozenset[str]:
    """The words that make ``fact``'s claim: its words beyond a label ('Location:', a field) and the frame."""
    label, colon, rest = fact.text.partition(":")
    words = _words(rest) if colon and len(label) <= 40 else fact.words
    return words - _FRAME
