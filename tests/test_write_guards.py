"""What the write guards guarantee, case by case (agent/memory/guards.py states it in full)."""

from __future__ import annotations

import pytest

from agent.memory import health
from agent.memory.facts import document_facts, item_facts, record_facts
from agent.memory.guards import lost_facts, without_restatements
from agent.memory.support import unsupported


def _lost_from_document(before: str, after: str, said: str) -> list[str]:
    lost = lost_facts({"semantic": {"content": before}}, [("semantic", {"content": after})], document_facts, said)
    return [fact.text for fact in lost]


@pytest.mark.parametrize(
    "before, after, said, lost",
    [
        # the forgetful rewrite: only the newest conversation's facts come back
        ("Name: Lance", "Location: Boston", "I live in Boston.", ["Name: Lance"]),
        ("Name: Lance\nLikes: chess", "Location: Paris", "I live in Paris.", ["Name: Lance", "Likes: chess"]),
        # positive controls: added, moved, reworded, retracted
        ("Name: Lance", "Name: Lance\nLocation: Boston", "I live in Boston.", []),
        ("Name: Lance\nLocation: Boston", "Name: Lance\nLocation: Paris", "I moved from Boston to Paris.", []),
        ("Name: Lance\nLocation: Boston", "Name: Lance\nLocation: Paris", "I moved to Paris.", []),
        ("The user lives in Boston.", "The user now lives in Paris.", "I live in Paris now", []),
        ("Name: Lance\nLocation: Boston", "- The user's name is Lance.\n- Boston is home.", "hi", []),
        ("Likes: chess\nLikes: tennis", "Likes: tennis", "Forget that I like chess.", []),
        ("Likes: chess\nLikes: tennis", "Likes: chess", "I don't like tennis anymore.", []),
        # a replacement needs a word the user said; a retraction needs a cue and the fact's own word
        ("Location: Boston", "Location: Rome", "I live in Paris.", ["Location: Boston"]),
        ("Likes: chess\nLikes: tennis", "Likes: tennis", "I like chess a lot.", ["Likes: chess"]),
        ("Likes: chess\nLikes: tennis", "Likes: chess", "Forget that I like golf.", ["Likes: tennis"]),
        # one of several values on a subject is never "corrected" away by another one
        ("Likes: chess\nLikes: tennis", "Likes: tennis\nLikes: golf", "I like golf.", ["Likes: chess"]),
    ],
)
def test_semantic_document_guard(before, after, said, lost):
    assert _lost_from_document(before, after, said) == lost


def test_profile_guard_refuses_removed_or_nulled_fields_and_list_entries():
    stored = {"profile": {"name": "Dana", "location": "Boston", "interests": ["chess", "tennis"]}}

    def lost(after: dict, said: str) -> list[str]:
        return [f.text for f in lost_facts(stored, [("profile", after)], record_facts, said)]

    assert lost({"location": "Boston", "interests": ["chess", "tennis"]}, "I like chess.") == ["name: Dana"]
    assert lost({"name": None, "location": "Boston", "interests": ["chess", "tennis"]}, "hi") == ["name: Dana"]
    assert lost({"name": "Dana", "location": "Boston", "interests": ["golf"]}, "I like golf.") == [
        "interests: chess",
        "interests: tennis",
    ]
    # positive controls
    assert lost({"name": "Dana", "location": "Paris", "interests": ["chess", "tennis"]}, "I moved to Paris.") == []
    assert lost({"name": "Dana", "location": "Boston", "interests": ["tennis"]}, "Forget that I like chess.") == []
    assert lost({"name": "Dana", "location": "Boston", "interests": ["chess", "tennis", "go"]}, "I like go.") == []


def test_collection_guard_refuses_deleting_or_overwriting_an_unretracted_item():
    stored = {"home": {"content": "The user lives in Boston."}, "game": {"content": "The user likes chess."}}

    def lost(writes, said: str) -> list[str]:
        return [f.text for f in lost_facts(stored, writes, item_facts, said)]

    assert lost([("game", None)], "I like tennis.") == ["The user likes chess."]
    assert lost([("home", {"content": "The user likes tennis."})], "I like tennis.") == ["The user lives in Boston."]
    # positive controls
    assert lost([("game", None)], "Forget that I like chess.") == []
    assert lost([("home", {"content": "The user lives in Paris."})], "I moved to Paris.") == []
    assert lost([("new", {"content": "The user likes tennis."})], "I like tennis.") == []


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


@pytest.mark.parametrize(
    "fact, said, supported",
    [
        ("Location: Boston", "I live in Boston.", True),
        ("The user enjoys hiking on weekends.", "I love to hike on weekends", True),
        ("job: chess player", "I like chess.", False),  # filed under the wrong subject
        ("job: Software Engineer at [Company Name]", "I work as a software engineer.", False),
        ("The user has a cat named Whiskers.", "I like hiking.", False),
        ("Welcome to my blog about coding and life", "I'm Lance.", False),
    ],
)
def test_a_fact_is_stored_only_when_the_users_words_support_it(fact, said, supported):
    found = (
        record_facts({fact.split(": ")[0]: fact.split(": ")[1]})
        if fact.startswith("job:")
        else document_facts({"content": fact})
    )
    assert (unsupported(found, said) == []) is supported
