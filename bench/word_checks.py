"""The write checks of before grounding, kept as the benchmarks' baseline: words compared, no quotes, no verifier.

A new fact was kept when more than two thirds of its claim's words (a short stem each, the frame left out) were
said by the user (`bench.word_support`, the old support check, kept for this comparison); a stored fact the write
dropped stayed unless its own words survived, a single-valued fact was replaced on its subject by a word the user
said, or a sentence of the user's carried a retraction cue and one of the fact's own words.
``remember_with_word_checks`` runs that path on the same writer and store as `agent.memory.write.turn.remember`, so
the two are measured side by side on the same conversations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage
from langgraph.store.base import BaseStore

from agent.memory.api import recall, save
from agent.memory.kinds import memory_kind
from agent.memory.records.facts import Fact, FactsOf
from agent.memory.records.history import Write
from agent.memory.records.timeline import unstamped
from agent.memory.write.edits import edits_for
from agent.memory.write.guards import own_words, without_restatements
from agent.memory.write.turn import Outcome, transcript
from agent.memory.write.writers import writer_for
from agent.words import terms
from bench.word_support import unsupported

_CUES = re.compile(
    r"\b(?:forget|forgot|no longer|not|never|anymore|any more|stop|stopped|quit|remove|delete|drop|wrong|"
    r"incorrect|mistake|mistaken|moved|left|used to|no)\b|n['’]t\b",
    re.I,
)
_SENTENCE = re.compile(r"[.!?;\n]+")


def _retracted(fact: Fact, sentences: Sequence[str]) -> bool:
    return any(_CUES.search(sentence) and own_words(fact) & set(terms(sentence)) for sentence in sentences)


def _corrected(fact: Fact, after: Sequence[Fact], before: frozenset[str], said: set[str], stored: list[Fact]) -> bool:
    if not fact.single or not fact.subject:
        return False
    if any(other is not fact and other.subject & fact.subject for other in stored):
        return False
    return any(new.subject & fact.subject and (new.words - before) & said for new in after)


def word_losses(known: dict[str, dict], writes: Sequence[Write], facts_of: FactsOf, said: str) -> dict[str, list]:
    """The stored facts ``writes`` would drop that the word checks did not let go, by memory key."""
    said_words = set(terms(said))
    sentences = [s for s in _SENTENCE.split(said) if s.strip()]
    stored = {key: facts_of(value) for key, value in known.items()}
    everything = [fact for facts in stored.values() for fact in facts]
    lost: dict[str, list[Fact]] = {}
    for key, value in writes:
        if key not in stored:
            continue
        after = facts_of(value) if value is not None else []
        kept = frozenset().union(*(f.words for f in after))
        before = frozenset().union(*(f.words for f in stored[key]))
        for fact in stored[key]:
            if own_words(fact) <= kept or _corrected(fact, after, before, said_words, everything):
                continue
            if not _retracted(fact, sentences):
                lost.setdefault(key, []).append(fact)
    return lost


async def remember_with_word_checks(
    store: BaseStore, model: BaseChatModel, user_id: str, memory_type: str, messages: Sequence[AnyMessage], k: int = 10
) -> Outcome:
    """One write as it was checked before grounding (one window: the benchmarks' conversations are short)."""
    kind = memory_kind(memory_type)
    said = "\n".join(m.text for m in messages if m.type == "human")
    existing = await recall(store, user_id, memory_type, said, k)
    read = {item.key: item.value for item in existing}
    known = {key: unstamped(value) for key, value in read.items()}
    proposal = await writer_for(kind).extract(model, transcript(messages), existing)
    outcome = Outcome(model_calls=1)
    writes = [(k_, v) for k_, v in proposal.writes if v is None or known.get(k_) != unstamped(v)]
    checked: list[Write] = []
    for key, value in writes:
        stored = known.get(key)
        if value is None:
            checked.append((key, value))
            continue
        held = [fact.words for fact in kind.facts(stored)] if stored else []
        new = [fact for fact in kind.facts(value) if not any(fact.words <= words for words in held)]
        if rejected := unsupported(new, said):
            outcome.held += [fact.text for fact in rejected]  # left out, in those days: not held anywhere
            checked += edits_for(kind).without(key, stored, value, rejected)
        else:
            checked.append((key, value))
    lost = word_losses(known, checked, kind.facts, said)
    repaired: list[Write] = []
    for key, value in checked:
        if facts := lost.get(key):
            outcome.repaired += [fact.text for fact in facts]
            repaired += edits_for(kind).keeping(key, known.get(key), value, facts)
        else:
            repaired.append((key, value))
    writes = without_restatements(repaired, known, kind.facts)
    outcome.writes = [(k_, v) for k_, v in writes if v is None or known.get(k_) != unstamped(v)]
    await save(store, user_id, memory_type, outcome.writes, read=read, provenance={"source": "word_checks"})
    return outcome
