"""What the write guards guarantee, case by case (agent/memory/write/guards.py states it in full): a stored fact a
write drops stays unless reworded, corrected on its subject, or taken back in words with a change cue."""

from __future__ import annotations

import pytest

from agent.memory import health
from agent.memory.records.facts import FactsOf, document_facts, item_facts, record_facts
from agent.memory.write.guards import losses, without_restatements


def _dropped(stored: dict, writes: list, facts_of: FactsOf, said: str) -> dict[str, str]:
    """Each dropped fact -> what may let it go: "corrected by <fact>", "if taken back", or "kept"."""
    new = {
        key: [f for f in facts_of(value) if f.text not in {g.text for g in facts_of(stored.get(key) or {})}]
        for key, value in writes
        if value is not None
    }
    return {
        loss.fact.text: f"corrected by {loss.correction.text}"
        if loss.correction
        else "if taken back"
        if loss.taken_back
        else "kept"
        for loss in losses(stored, writes, facts_of, new, [said])
    }


@pytest.mark.parametrize(
    "before, after, said, dropped",
    [
        # the forgetful rewrite: only the newest conversation's facts come back
        ("Name: Lance", "Location: Boston", "I live in Boston.", {"Name: Lance": "kept"}),
        (
            "Name: Lance\nLikes: chess",
            "Location: Paris",
            "I live in Paris.",
            {"Name: Lance": "kept", "Likes: chess": "kept"},
        ),
        # reworded, relabelled, merged: nothing is dropped
        ("Name: Lance", "Name: Lance\nLocation: Boston", "I live in Boston.", {}),
        ("Name: Lance\nLocation: Boston", "- The user's name is Lance.\n- Boston is home.", "hi", {}),
        # a correction on the same subject, whatever words the model chose for the new value
        (
            "The user lives in Boston.",
            "The user lives in New York City.",
            "I moved to NYC.",
            {"The user lives in Boston.": "corrected by The user lives in New York City."},
        ),
        # a take-back needs a change cue; the verifier then decides whether the words take this fact back
        (
            "Likes: chess\nLikes: tennis",
            "Likes: tennis",
            "Chess bores me now, I gave it up.",
            {"Likes: chess": "if taken back"},
        ),
        (
            "The user is a teacher.",
            "The user is a nurse.",
            "I quit teaching and became a nurse.",
            {"The user is a teacher.": "if taken back"},
        ),
        ("Likes: chess\nLikes: tennis", "Likes: tennis", "I like chess a lot.", {"Likes: chess": "kept"}),
        # one of several values on a subject is never "corrected" away by another one
        ("Likes: chess\nLikes: tennis", "Likes: tennis\nLikes: golf", "I like golf.", {"Likes: chess": "kept"}),
    ],
)
def test_semantic_document_guard(before, after, said, dropped):
    writes = [("semantic", {"content": after})]
    assert _dropped({"semantic": {"content": before}}, writes, document_facts, said) == dropped


def test_profile_guard_lets_a_field_be_corrected_and_keeps_what_was_not_asked():
    stored = {"profile": {"name": "Dana", "location": "Boston", "interests": ["chess", "tennis"]}}

    def dropped(after: dict, said: str) -> dict[str, str]:
        return _dropped(stored, [("profile", after)], record_facts, said)

    assert dropped({"location": "Boston", "interests": ["chess", "tennis"]}, "I like chess.") == {"name: Dana": "kept"}
    assert dropped({"name": "Dana", "location": "Boston", "interests": ["golf"]}, "I like golf.") == {
        "interests: chess": "kept",
        "interests: tennis": "kept",
    }
    assert dropped(
        {"name": "Dana", "location": "New York City", "interests": ["chess", "tennis"]}, "I moved to NYC."
    ) == {"location: Boston": "corrected by location: New York City"}
    assert dropped({"name": "Dana", "location": "Boston", "interests": ["tennis"]}, "Forget that I like chess.") == {
        "interests: chess": "if taken back"
    }


def test_collection_guard_keeps_an_item_deleted_or_overwritten_unasked():
    stored = {"home": {"content": "The user lives in Boston."}, "game": {"content": "The user likes chess."}}

    def dropped(writes, said: str) -> dict[str, str]:
        return _dropped(stored, writes, item_facts, said)

    assert dropped([("game", None)], "I like tennis.") == {"The user likes chess.": "kept"}
    assert dropped([("home", {"content": "The user likes tennis."})], "I like tennis.") == {
        "The user lives in Boston.": "kept"
    }
    assert dropped([("game", None)], "Forget that I like chess.") == {"The user likes chess.": "if taken back"}
    assert dropped([("home", {"content": "The user lives in Paris."})], "Paris is home.") == {
        "The user lives in Boston.": "corrected by The user lives in Paris."
    }
    assert dropped([("new", {"content": "The user likes tennis."})], "I like tennis.") == {}


def test_restated_items_are_dropped_and_new_ones_kept():
    stored = {"game": {"content": "The user likes chess."}}
    writes = [
        ("a", {"content": "The user likes chess."}),
        ("b", {"content": "User likes chess"}),
        ("c", {"content": "The user likes go."}),
        ("d", {"content": "The user likes go."}),
        ("game", {"content": "The user likes chess a lot."}),
    ]
    assert [key for key, _ in without_restatements(writes, stored, item_facts)] == ["c", "game"]


def test_near_duplicates_are_facts_sharing_most_of_their_words():
    memories: dict[str, list[dict]] = {
        "collection": [
            {"value": {"content": "The user likes green tea."}},
            {"value": {"content": "The user enjoys green tea."}},
            {"value": {"content": "The user lives in Oslo."}},
        ],
        "profile": [{"value": {"name": "Lena", "interests": ["chess", "chess club"]}}],
    }
    pairs = health.near_duplicates(memories)
    assert [p["facts"] for p in pairs] == [["The user likes green tea.", "The user enjoys green tea."]]
    assert pairs[0]["similarity"] >= health.NEAR_DUPLICATE


def test_an_item_of_a_kind_without_content_is_one_fact_of_its_fields():
    [fact] = item_facts({"name": "Garden shed", "status": "roof on", "tags": ["wood", "diy"], "size": 4})
    assert fact.text == "Garden shed; roof on; wood, diy; 4"
    assert item_facts({"name": "", "status": ""}) == []
