"""Whether the words a model quotes for a fact are the user's own: found, mechanically, in what the user said.

A model proposing a fact quotes the user's words behind it. Those words are looked up in the user's messages
that the write read (never the assistant's replies, the system prompt or the memory shown to the model). The
lookup compares words, in order, after evening out what models change when they copy:

- case, and any run of whitespace;
- curly quotes and apostrophes, full-width forms ("I’m" and "I'm", "ＮＹＣ" and "NYC");
- punctuation, at the ends or inside ("kids, and a dog" for "kids and a dog");
- an ellipsis ("…" or "...") for words left out: each piece is found, in order;
- a quote that runs on from one message into the next;
- "yes", "yep", "no", "nope" and the like answering the bot's own question: the quote then stands for that
  question, which the checks read as the user's statement (or its opposite, for a "no").

Any other difference is not the user's words: a synonym, a digit for a number word, a word added or missing
(a missing "not" above all). Words are letters and digits of any script; in scripts written without spaces
(Chinese, Japanese, Thai, ...) each character is a word, so a quote may start and end anywhere in a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.messages import BaseMessage

from agent.words import tokens

_ELLIPSIS = re.compile(r"…|\.\s*\.\s*\.")
_CLAUSE_END = re.compile(r"[.!?;:\n。！？；：]+|[,、，]|\s[-–—]\s|\b(?:but|although|though|whereas)\b", re.I)
_SENTENCE_END = re.compile(r"[.!?\n。！？]+")
YES = frozenset("yes yeah yep yup ya sure correct right exactly indeed absolutely definitely true".split())
NO = frozenset("no nope nah never".split())


@dataclass(frozen=True)
class Said:
    """One message of the user's that the write read, with the assistant's message just before it."""

    text: str
    message_id: str | None = None
    asked: str = ""
    """The assistant's message right before this one ("" when there is none)."""


def said_in(messages: Sequence[BaseMessage]) -> list[Said]:
    """The user's messages in ``messages``, each with the assistant's message before it."""
    found: list[Said] = []
    before = ""
    for message in messages:
        if message.type == "ai":
            before = message.text
        elif message.type == "human":
            if message.text.strip():
                found.append(Said(message.text, message.id, before))
            before = ""
    return found


@dataclass(frozen=True)
class Span:
    """Where quoted words sit: characters ``start`` to ``end`` of the user's message number ``message``."""

    message: int
    start: int
    end: int


@dataclass(frozen=True)
class Evidence:
    """A quote found in the user's words."""

    quote: str
    spans: tuple[Span, ...]
    clause: str
    """The words around the quote that decide what it means: the clause (or clauses) holding it."""
    sentence: str
    """The whole sentence holding the quote's start (a question, or not)."""
    answer: str = ""
    """For a quote that only answers the bot's question ("yes", "nope"): "yes" or "no"."""
    asked: str = ""
    """That question, as the bot asked it."""

    def words(self, said: Sequence[Said]) -> str:
        """The user's words the quote stands for, as they said them (pieces joined with " … ")."""
        return " … ".join(said[span.message].text[span.start : span.end] for span in self.spans)


def normalised(text: str) -> str:
    """``text`` as the lookup compares it: its words, lower-cased, one space apart."""
    return " ".join(word for word, _, _ in tokens(text))


def _stream(said: Sequence[Said]) -> list[tuple[str, int, int, int]]:
    """Every word the user said, across messages in order: (word, message, start, end)."""
    return [(word, number, start, end) for number, s in enumerate(said) for word, start, end in tokens(s.text)]


def _find(words: list[str], stream: list[tuple[str, int, int, int]], after: int) -> int:
    """Where ``words`` first occur in ``stream`` at or after position ``after`` (-1: nowhere)."""
    size = len(words)
    for at in range(after, len(stream) - size + 1):
        if all(stream[at + i][0] == word for i, word in enumerate(words)):
            return at
    return -1


def _clause(text: str, start: int, end: int, boundary: re.Pattern) -> str:
    """The stretch of ``text`` around characters ``start``..``end`` up to the nearest ``boundary`` on each side."""
    left = max((m.end() for m in boundary.finditer(text, 0, start)), default=0)
    right = next((m.start() for m in boundary.finditer(text, end)), len(text))
    return text[left:right].strip()


def locate(quote: str, said: Sequence[Said]) -> Evidence | None:
    """Where ``quote`` sits in ``said``, or None when it is not the user's words."""
    pieces = [[word for word, _, _ in tokens(piece)] for piece in _ELLIPSIS.split(quote)]
    pieces = [piece for piece in pieces if piece]
    stream = _stream(said)
    if not pieces or not stream:
        return None
    matched: list[tuple[int, int]] = []  # (first word, last word) of each piece, in the stream
    after = 0
    for piece in pieces:
        at = _find(piece, stream, after)
        if at < 0:
            return None
        matched.append((at, at + len(piece) - 1))
        after = at + len(piece)
    spans: list[Span] = []
    for first, last in matched:
        for number in range(stream[first][1], stream[last][1] + 1):
            inside = [w for w in stream[first : last + 1] if w[1] == number]
            spans.append(Span(number, inside[0][2], inside[-1][3]))
    spans = _merged(spans)
    clauses = [_clause(said[s.message].text, s.start, s.end, _CLAUSE_END) for s in spans]
    head = spans[0]
    sentence = _sentence_of(said[head.message].text, head.start, head.end)
    whole = " ".join(word for piece in pieces for word in piece)
    message = said[head.message]
    if len(spans) == 1 and message.asked.rstrip().endswith("?") and (whole in YES or whole in NO):
        answer = "yes" if whole in YES else "no"
        return Evidence(quote, tuple(spans), " ".join(clauses), sentence, answer, message.asked.strip())
    return Evidence(quote, tuple(spans), " ".join(clauses), sentence)


def _sentence_of(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    right = next((m.end() for m in _SENTENCE_END.finditer(text, end)), len(text))
    return text[left:right].strip()


def _merged(spans: list[Span]) -> list[Span]:
    """Spans of one message that touch or overlap, made one."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.message, s.start)):
        if merged and merged[-1].message == span.message and span.start <= merged[-1].end + 1:
            last = merged.pop()
            span = Span(span.message, last.start, max(last.end, span.end))
        merged.append(span)
    return merged
