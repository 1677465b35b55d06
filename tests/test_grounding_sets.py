"""Every case of the grounding sets (bench/data/grounding.json) through the shared write path, in every kind that
can hold it: real-model phrasing kept when its quote checks out and the verifier confirms it; every misreading
held for review, the four kinds the quote shows (and plans and what-ifs) whatever the verifier says; every
correction and retraction landed. `bench/grounding.py` prints the same runs beside the word checks of before."""

from __future__ import annotations

import pytest

from bench.grounding import KINDS, _grounded, cases_for, run_case, text_in

SHOWN_BY_THE_QUOTE = {"negation", "someone else", "question", "made-up quote", "plan", "hypothetical"}


def _expected(case: dict, proposed: dict, verifier: str) -> str:
    """What a proposal becomes: "used" as a fact, or "held" for review."""
    label = proposed.get("label", case["label"])
    confirms = {"honest": label == "true", "gullible": True}[verifier]
    if case.get("verifier") == "errs" and verifier == "honest":
        confirms = not confirms
    if case.get("verifier") == "unusable" and verifier == "honest":
        return "held"
    if label == "misreading" and case.get("misreading") in SHOWN_BY_THE_QUOTE:
        return "held"
    return "used" if confirms else "held"


@pytest.mark.parametrize("verifier", ["honest", "gullible"])
@pytest.mark.parametrize("kind", KINDS)
async def test_each_case_becomes_what_its_words_support(kind, verifier):
    wrong = []
    for case in cases_for(kind):
        if verifier == "gullible" and case["label"] == "true":
            continue  # a verifier that confirms everything keeps true facts: nothing to learn
        score = await run_case(kind, case, _grounded, verifier)
        got = score.by_case[case["id"]]
        if case["label"] in ("correction", "retraction"):
            want = "landed"
        else:
            want = ",".join(_expected(case, p, verifier) for p in case["proposed"] if text_in(kind, p))
        if got != want:
            wrong.append(f"{case['id']}: {got} (expected {want})")
    assert not wrong, wrong
