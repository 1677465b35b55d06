"""Memory with real-model phrasing: the word checks of before beside grounded facts, on the same conversations.

    .venv/bin/python -m bench.grounding [--kinds semantic,profile,collection,instructions]

The conversations are the grounding sets (`bench/data/grounding.json`): what users say, what a real model
proposes from it (reworded, abbreviated, inferred; quoted imperfectly), and whether each proposal holds. The
scripted model replays those proposals, and its verifier errs where the set says a real one does. Each case is
one write on a fresh in-memory store, its stored fact (for a correction or a retraction) saved first, for each
kind that can hold its facts (a profile has no field for "is 34 years old"). Side by side, on the same writer:

- ``word checks``: the checks of before (`bench/word_checks.py`);
- ``grounded``: quotes checked, misreadings stopped, one verification call (`agent.memory.write.turn`);
- ``grounded, verifier confirms all``: the same with a verifier that confirms every claim: what the quote
  checks stop on their own.

Printed per path: true facts kept as facts, corrections and retractions landed, misreadings used as facts,
proposals held for review, model calls and tokens (characters / 4 of prompt and reply) per write. Not asserted
here: `tests/test_grounding_sets.py` holds every case to its outcome.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langgraph.store.memory import InMemoryStore

from agent.memory.api import save
from agent.memory.kinds import WRITTEN_KINDS, memory_kind
from agent.memory.records.namespaces import list_all, memory_namespace
from agent.memory.write import review
from agent.memory.write.grounding import normalised
from agent.memory.write.turn import Outcome, remember
from bench.word_checks import remember_with_word_checks
from devtools.recorded_phrasings import sets
from devtools.scripted_brain import ScriptedChatModel

KINDS = tuple(WRITTEN_KINDS)  # the memory types and the instructions
PATHS = ("word checks", "grounded", "grounded, verifier confirms all")
USER = "bench"


def text_in(kind: str, proposed: dict | None) -> str | None:
    """How a set's fact reads in ``kind``'s facts, or None when the kind cannot hold it."""
    if proposed is None:
        return None
    if kind == "instructions":
        return proposed.get("instruction")
    if kind == "profile":
        profile = proposed.get("profile") or {}
        return next((f"{f}: {v}" for f, v in profile.items()), None)
    return proposed.get("sentence")


def stored_value(kind: str, stored: dict) -> tuple[str, dict] | None:
    """The memory (key, value) that holds a case's stored fact in ``kind``, or None when it cannot."""
    if kind == "instructions":
        return ("stored", {"content": stored["instruction"]}) if stored.get("instruction") else None
    if kind == "profile":
        profile = stored.get("profile") or {}
        if not profile:
            return None
        lists = {"connections", "interests"}
        return "profile", {f: ([v] if f in lists else v) for f, v in profile.items()}
    if not stored.get("sentence"):
        return None
    return (
        ("semantic", {"content": stored["sentence"]})
        if kind == "semantic"
        else ("stored", {"content": stored["sentence"]})
    )


def conversation(case: dict) -> list[BaseMessage]:
    asked = [AIMessage(case["asked"], id="asked")] if case.get("asked") else []
    return [*asked, *(HumanMessage(text, id=f"said-{i}") for i, text in enumerate(case["said"]))]


@dataclass
class Score:
    """How one path did on one kind."""

    true: int = 0
    kept: int = 0
    corrections: int = 0
    landed: int = 0
    misreadings: int = 0
    used: int = 0
    held: int = 0
    writes: int = 0
    calls: int = 0
    characters: int = 0
    by_case: dict[str, str] = field(default_factory=dict)
    """case id -> what became of it: kept, held, used, landed, stayed, lost."""

    def add(self, other: Score) -> None:
        for name in ("true", "kept", "corrections", "landed", "misreadings", "used", "held", "writes", "calls"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.characters += other.characters
        self.by_case.update(other.by_case)


def cases_for(kind: str) -> list[dict]:
    """The cases whose facts ``kind`` can hold."""
    part = sets()["instructions" if kind == "instructions" else "facts"]
    return [
        case
        for case in part
        if any(text_in(kind, p) for p in case["proposed"])
        or (case.get("stored") and stored_value(kind, case["stored"]))
    ]


Write = Callable[[InMemoryStore, ScriptedChatModel, str, list[BaseMessage]], Awaitable[Outcome]]


async def _grounded(store, model, kind, messages) -> Outcome:
    return await remember(store, model, USER, kind, messages)


async def _word_checked(store, model, kind, messages) -> Outcome:
    return await remember_with_word_checks(store, model, USER, kind, messages)


async def run_case(kind: str, case: dict, write: Write, verifier: str = "honest") -> Score:
    """One case as one write: seed its stored fact, write the conversation, score what the memory holds."""
    store, model, score = InMemoryStore(), ScriptedChatModel(), Score()
    model.misbehave(verifier)
    seeded = stored_value(kind, case["stored"]) if case.get("stored") else None
    if seeded:
        await save(store, USER, kind, [seeded], provenance={"source": "bench"})
    await write(store, model, kind, conversation(case))
    score.writes, score.calls = 1, len(model.prompts)
    score.characters = sum(len(m.text) for prompt in model.prompts for m in prompt)
    facts = {
        normalised(fact.text)
        for item in await list_all(store, memory_namespace(USER, kind))
        for fact in memory_kind(kind).facts(item.value)
    }
    held = {normalised(str(i.value.get("fact"))) for i in await list_all(store, review.namespace(USER))}
    score.held = len(held)
    outcomes = []
    for proposed in case["proposed"]:
        text = text_in(kind, proposed)
        if not text:
            continue
        label = proposed.get("label", case["label"])
        there = normalised(text) in facts
        if label == "true":
            score.true += 1
            score.kept += there
        elif label == "misreading":
            score.misreadings += 1
            score.used += there
        outcomes.append("held" if normalised(text) in held else ("used" if there else "lost"))
    if case["label"] in ("correction", "retraction"):
        old_text = text_in(kind, case["stored"])
        new = [text_in(kind, p) for p in case["proposed"]]
        new_there = all(normalised(t) in facts for t in new if t)
        old_gone = old_text is None or normalised(old_text) not in facts
        score.corrections += 1
        score.landed += bool(new_there and old_gone)
        outcomes = ["landed" if new_there and old_gone else "stayed"]
    score.by_case[case["id"]] = ",".join(outcomes)
    return score


async def measure(kind: str, path: str) -> Score:
    write: Write = _word_checked if path == "word checks" else _grounded
    verifier = "gullible" if path.endswith("confirms all") else "honest"
    total = Score()
    for case in cases_for(kind):
        total.add(await run_case(kind, case, write, verifier))
    return total


def _row(name: str, score: Score) -> str:
    def share(part: int, whole: int) -> str:
        return f"{part}/{whole} ({part / whole:.0%})" if whole else "-"

    per_write = score.calls / score.writes if score.writes else 0
    tokens = score.characters / 4 / score.writes if score.writes else 0
    return (
        f"| {name} | {share(score.kept, score.true)} | {share(score.landed, score.corrections)} | "
        f"{score.used}/{score.misreadings} | {score.held} | {per_write:.2f} | {tokens:,.0f} |"
    )


async def main(kinds: list[str]) -> None:
    print(
        "| kind, path | true facts kept | corrections landed | misreadings used as facts | held for review "
        "| model calls per write | tokens per write (≈) |"
    )
    print("|---|---|---|---|---|---|---|")
    totals = {path: Score() for path in PATHS}
    for kind in kinds:
        for path in PATHS:
            score = await measure(kind, path)
            totals[path].add(score)
            print(_row(f"{kind}, {path}", score))
    for path in PATHS:
        print(_row(f"**all kinds, {path}**", totals[path]))
    grounded = totals["grounded"]
    outcomes = Counter(v for v in grounded.by_case.values())
    print(f"\ngrounded, by case outcome: {dict(outcomes)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated, of: " + ", ".join(KINDS))
    args = parser.parse_args()
    chosen = [k.strip() for k in args.kinds.split(",") if k.strip()]
    for kind in chosen:
        if kind not in WRITTEN_KINDS:
            parser.error(f"unknown kind {kind!r}")
    asyncio.run(main(chosen))
