"""Checks on a proposed memory write before anything is saved: no stored fact lost, none stored twice.

What the loss guard guarantees, for every memory type (facts as ``agent.memory.facts`` splits them):
a write may drop a stored fact only when

- it keeps the fact's own words (those beyond its subject: 'Boston' of 'Location: Boston') somewhere in
  the new value of the same memory (rewording, relabelling, reordering and merging lines are fine);
- or it corrects the fact: the fact holds a single value, no other stored fact shares its subject, and
  the new value of the same memory has a fact on that subject with a word that is new to the memory and
  that the user said in these messages ('Location: Boston' -> 'Location: Paris' after "I moved to Paris");
- or the user retracted it: one of their sentences carries a retraction cue (forget, no longer, not,
  n't, never, anymore, stopped, quit, wrong, moved, ...) and names one of the fact's own words beyond its
  subject ("Forget that I like chess" retracts 'Likes: chess', not 'Likes: tennis').

Anything else is a loss, and the write is repaired rather than refused (`agent.memory.api`): the facts it
would lose are put back (`agent.memory.edits`), the new facts it brings are kept, and the repair is recorded
in the memory's history. What it cannot tell apart: a model that swaps a single-valued fact for another value the user
said in passing ("my friend lives in Rome" turning 'Location: Paris' into 'Location: Rome'), or that
turns the only one of its kind ('Likes: chess') into another ('Likes: golf') when the user adds one. Such a
write passes; the memory's history keeps the previous version, and the memory page or
`python -m agent.client restore` brings it back. Retraction cues are English.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.memory.facts import Fact, FactsOf
from agent.memory.retrieval import terms

Write = tuple[str, dict | None]  # (key, new value); None deletes the memory

_CUES = re.compile(
    r"\b(?:forget|forgot|no longer|not|never|anymore|any more|stop|stopped|quit|remove|delete|drop|wrong|"
    r"incorrect|mistake|mistaken|moved|left|used to|no)\b|n['’]t\b",
    re.I,
)
_SENTENCE = re.compile(r"[.!?;\n]+")


def _words_of(facts: Sequence[Fact]) -> frozenset[str]:
    return frozenset().union(*(fact.words for fact in facts))


def _own_words(fact: Fact) -> frozenset[str]:
    return fact.words - fact.subject or fact.words


def retracted(fact: Fact, sentences: Sequence[str]) -> bool:
    """Whether a sentence of the user takes ``fact`` back: a retraction cue and one of the fact's own words."""
    return any(_CUES.search(sentence) and _own_words(fact) & set(terms(sentence)) for sentence in sentences)


def _corrected(fact: Fact, after: Sequence[Fact], before: frozenset[str], said: set[str], stored: list[Fact]) -> bool:
    if not fact.single or not fact.subject:
        return False
    if any(other is not fact and other.subject & fact.subject for other in stored):
        return False  # one of several values on this subject: only a retraction removes it
    return any(new.subject & fact.subject and (new.words - before) & said for new in after)


def lost_facts(known: dict[str, dict], writes: Sequence[Write], facts_of: FactsOf, said: str) -> list[Fact]:
    """The stored facts ``writes`` would drop although the user neither corrected nor retracted them."""
    return [fact for facts in losses(known, writes, facts_of, said).values() for fact in facts]


def losses(known: dict[str, dict], writes: Sequence[Write], facts_of: FactsOf, said: str) -> dict[str, list[Fact]]:
    """``lost_facts`` by the key of the memory each belongs to (memories that lose nothing left out)."""
    said_words = set(terms(said))
    sentences = [s for s in _SENTENCE.split(said) if s.strip()]
    stored = {key: facts_of(value) for key, value in known.items()}
    everything = [fact for facts in stored.values() for fact in facts]
    lost: dict[str, list[Fact]] = {}
    for key, value in writes:
        if key not in stored:
            continue  # a new memory loses nothing
        after = facts_of(value) if value is not None else []
        kept, before = _words_of(after), _words_of(stored[key])
        for fact in stored[key]:
            if _own_words(fact) <= kept or _corrected(fact, after, before, said_words, everything):
                continue
            if not retracted(fact, sentences):
                lost.setdefault(key, []).append(fact)
    return lost


def without_restatements(writes: Sequence[Write], known: dict[str, dict], facts_of: FactsOf) -> list[Write]:
    """``writes`` minus new memories whose every fact one stored memory (or an earlier new one) already states."""
    held = [_words_of(facts_of(value)) for value in known.values()]
    kept: list[Write] = []
    for key, value in writes:
        if key not in known and value is not None:
            facts = facts_of(value)
            if facts and all(any(fact.words <= words for words in held) for fact in facts):
                continue  # a copy of what is already remembered
            held.append(_words_of(facts))
        kept.append((key, value))
    return kept
