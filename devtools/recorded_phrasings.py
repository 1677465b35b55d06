"""The grounding sets (`bench/data/grounding.json`): what users say, what a real model proposes from it, and
whether each proposal holds.

The scripted model replays a case's proposal when the conversation is that case's (`devtools.scripted_brain`),
and its verifier answers a claim of a case as the case says a real verifier would: the truth, or its opposite
where the case says the verifier errs, or an unusable reply (`devtools.scripted_verifier`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from agent.memory.write.grounding import normalised

SETS = Path(__file__).resolve().parent.parent / "bench" / "data" / "grounding.json"


@cache
def sets() -> dict[str, list[dict]]:
    """{"facts": [case, ...], "instructions": [case, ...]}"""
    data = json.loads(SETS.read_text())
    return {"facts": data["facts"], "instructions": data["instructions"]}


def case_for(utterances: list[str], part: str) -> dict | None:
    """The case of ``part`` ("facts" or "instructions") whose user said exactly ``utterances``."""
    said = [normalised(u) for u in utterances]
    return next((c for c in sets()[part] if [normalised(s) for s in c["said"]] == said), None)


def fact_texts(proposed: dict) -> list[str]:
    """How a proposed fact reads in each kind: a line or item, the profile's 'field: value', an instruction."""
    texts = [proposed[name] for name in ("sentence", "instruction") if proposed.get(name)]
    texts += [f"{field}: {value}" for field, value in (proposed.get("profile") or {}).items()]
    return texts


@dataclass(frozen=True)
class Truth:
    holds: bool
    verifier: str
    """How the verifier answers this case: honest, errs or unusable."""


def truth_of(fact: str, change: str, words: list[str]) -> Truth | None:
    """Whether a claim on ``fact`` ("new", or "gone": no longer true) holds, for a case whose user said one of
    ``words``; None when no case has it."""
    said = {normalised(w) for w in words}
    wanted = normalised(fact)
    for part in sets().values():
        for case in part:
            if not said & {normalised(s) for s in case["said"]}:
                continue
            verifier = case.get("verifier", "honest")
            if change == "gone":
                if case.get("stored") and wanted in {normalised(t) for t in fact_texts(case["stored"])}:
                    return Truth(case["label"] in ("correction", "retraction"), verifier)
                continue
            for proposed in case["proposed"]:
                if wanted in {normalised(t) for t in fact_texts(proposed)}:
                    label = proposed.get("label", case["label"])
                    return Truth(label in ("true", "correction"), verifier)
    return None
