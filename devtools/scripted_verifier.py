"""How the scripted model answers a memory write's verification call (`agent.memory.write.verification`), erring the
way real verifiers do.

A claim of the grounding sets gets the verdict its case records: the truth, or its opposite where the case says the
verifier errs (it confirms some misreadings and doubts some true facts), or an unusable reply for the whole call.
Any other claim is judged by what the scripted model itself understands of the user's words
(`devtools.scripted_facts`): a new fact holds when it is one of the facts the words state, on the same field, or
what the brain writes down of them for a kind or field it has no script for; a take-back holds when the words
retract it or state another value of its field. The verifier modes (`MODES` of `devtools.scripted_brain`) make it
confirm everything, doubt everything, or answer in prose.
"""

from __future__ import annotations

import re
import uuid

from langchain_core.messages import AIMessage

from agent.memory.write.grounding import normalised
from devtools.recorded_phrasings import truth_of
from devtools.scripted_facts import (
    SENTENCES,
    facts_in,
    field_of,
    field_values_in,
    instructions_in,
    retractions_in,
    statements_in,
)

TOOL = "Verdicts"
_CLAIM = re.compile(
    r'^(\d+)\. (no longer true: )?"(.*)"\n\s+the user said: (.*?)'
    r'(?: \(answering the assistant\'s question "(.*)"\))?$',
    re.M,
)
UNUSABLE = "These all look right to me."
SINGLE_FIELDS = ("name", "location", "job")


def _words_of(said: str) -> list[str]:
    return [w.strip('"') for w in said.split('" / "')]


def _field(fact: str) -> str | None:
    label, colon, _ = fact.partition(": ")
    return label if colon and label in SENTENCES else field_of(fact)


def _as_statement(question: str) -> str:
    return re.sub(r"\byour\b", "my", re.sub(r"\byou\b", "I", question, flags=re.I), flags=re.I).rstrip("?")


def understood(fact: str, change: str, words: list[str], asked: str) -> bool:
    """Whether the scripted model, reading ``words``, agrees with the claim."""
    said = [*words, _as_statement(asked)] if asked else words
    field, wanted = _field(fact), normalised(fact)
    if change == "gone":
        if any(normalised(value) in wanted for value in retractions_in(said)):
            return True
        return field in SINGLE_FIELDS and any(
            s.field == field and normalised(s.value) not in wanted for s in facts_in(said)
        )
    if any(normalised(instruction) == wanted for instruction, _ in instructions_in(said)):
        return True
    if any(normalised(written) in wanted for written, _ in statements_in(said)):
        return True  # a first-person sentence, as the brain writes it down for a kind it has no script for
    label, colon, value = fact.partition(": ")
    if colon and any(normalised(given) == normalised(value) for given, _ in field_values_in(said, label)):
        return True  # "my <field> is ...", for a field the brain has no script for
    return any(
        s.field == field and (normalised(s.value) in wanted or normalised(s.profile_value()) in wanted)
        for s in facts_in(said)
    )


def verdicts(request: str, mode: str = "honest") -> AIMessage:
    """The reply to a verification request: one verdict per claim (or, unusable, prose)."""
    if mode == "garbled":
        return AIMessage(content=UNUSABLE)
    answers = []
    for number, gone, fact, said, asked in _CLAIM.findall(request):
        change, words = ("gone" if gone else "new"), _words_of(said)
        recorded = truth_of(fact, change, words)
        if mode in ("gullible", "doubtful"):
            holds = mode == "gullible"
        elif recorded is not None and recorded.verifier == "unusable":
            return AIMessage(content=UNUSABLE)
        elif recorded is not None:
            holds = recorded.holds != (recorded.verifier == "errs")
        else:
            holds = understood(fact, change, words, asked)
        reason = "" if holds else "the user's words do not say this"
        answers.append({"claim": int(number), "holds": holds, "reason": reason})
    call = {"name": TOOL, "args": {"verdicts": answers}, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}
    return AIMessage(content="", tool_calls=[call])
