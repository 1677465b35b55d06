"""Checks on a proposed memory write before anything is saved: no stored fact lost unasked, none stored twice.

A write may drop a stored fact (facts as ``agent.memory.records.facts`` splits them) only when

- it keeps the fact's own words (those beyond its subject: 'Boston' of 'Location: Boston') somewhere in the new
  value of the same memory (rewording, relabelling, reordering and merging lines are fine);
- or it corrects the fact: the fact holds a single value, no other stored fact shares its subject, and the new
  value of the same memory has a new fact on that subject ('Location: Boston' -> 'Location: New York City'
  after "I moved to NYC") or one that keeps most of its own words ('The user is 33 years old.' -> 'The user is
  34 years old.'). The old fact goes only when the new one is kept: its quote checks out
  (`agent.memory.write.grounding`) and the verifier confirms it (`agent.memory.write.verification`);
- or the user took it back: a sentence of theirs in these messages carries a change cue (forget, no longer, not,
  n't, quit, moved, became, now, passed away, gave up, ...), and the verifier confirms that those words take
  this fact back ("Chess bores me now, I gave it up" takes back 'The user enjoys chess').

Anything else is a loss, and the write is repaired rather than refused (`agent.memory.write.edits`): the fact is put
back, the new facts are kept, and the repair is recorded in the memory's history. Change cues are English: in
another language a take-back without a correction on the same subject is repaired, and the user deletes the old
fact on the memory page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from agent.memory.records.facts import Fact, FactsOf
from agent.memory.records.history import Write

CHANGE_CUES = re.compile(
    r"\b(?:forget|forgot|no longer|not|never|anymore|any more|stop|stopped|quit|quitting|remove|delete|drop|wrong|"
    r"incorrect|mistake|mistaken|typo|moved|move|left|leaving|used to|no|actually|now|instead|became|become|"
    r"turned|changed|switched|relocated|retired|gave up|give up|given up|passed away|died|engaged|married|divorced|"
    r"broke up|new|since)\b|n['’]t\b",
    re.I,
)


def _words_of(facts: Sequence[Fact]) -> frozenset[str]:
    return frozenset().union(*(fact.words for fact in facts))


def own_words(fact: Fact) -> frozenset[str]:
    """The words of ``fact`` beyond its subject (all of them when it has nothing else)."""
    return fact.words - fact.subject or fact.words


def change_sentences(said: Sequence[str]) -> list[str]:
    """The user's messages that carry a change cue (the words a take-back rests on)."""
    return [text for text in said if CHANGE_CUES.search(text)]


@dataclass
class Loss:
    """A stored fact a proposed write drops."""

    key: str
    fact: Fact
    correction: Fact | None = None
    """A new fact of the same memory on its subject: the old one goes only if this one is kept."""
    taken_back: list[str] = field(default_factory=list)
    """The user's words with a change cue: it goes only if the verifier agrees they take it back ([] : it stays)."""


def _correction(fact: Fact, new: Sequence[Fact], stored: Sequence[Fact]) -> Fact | None:
    if not fact.single or not fact.subject:
        return None
    if any(other is not fact and other.subject & fact.subject for other in stored):
        return None  # one of several values on this subject: only a take-back removes it
    mine = own_words(fact)
    for candidate in new:
        if candidate.subject & fact.subject:
            return candidate
        if len(mine & candidate.words) * 2 >= len(mine) > 0 and not candidate.words >= fact.words:
            return candidate  # most of its own words, one changed: 'is 33 years old' -> 'is 34 years old'
    return None


def losses(
    known: dict[str, dict],
    writes: Sequence[Write],
    facts_of: FactsOf,
    new: dict[str, list[Fact]],
    said: Sequence[str],
) -> list[Loss]:
    """The stored facts ``writes`` drop without keeping their words, each with what could let it go: a new fact
    of ``new`` (by key) correcting it, or the user's sentences that may take it back."""
    stored = {key: facts_of(value) for key, value in known.items()}
    everything = [fact for facts in stored.values() for fact in facts]
    changes = change_sentences(said)
    found: list[Loss] = []
    for key, value in writes:
        if key not in stored:
            continue  # a new memory loses nothing
        kept = _words_of(facts_of(value)) if value is not None else frozenset()
        for fact in stored[key]:
            if own_words(fact) <= kept:
                continue
            correction = _correction(fact, new.get(key, []), everything)
            found.append(Loss(key, fact, correction, [] if correction else changes))
    return found


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
