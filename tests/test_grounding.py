"""The quote check, difference by difference, and the misreadings a quote alone stops (agent/memory/write/grounding.py
and agent/memory/write/misreadings.py state what they accept)."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from agent.memory.write.grounding import Said, locate, said_in
from agent.memory.write.misreadings import misread


def _found(quote: str, *said: str, asked: str = "") -> str | None:
    """The user's words ``quote`` stands for, or None."""
    messages = [Said(text, asked=asked if i == 0 else "") for i, text in enumerate(said)]
    found = locate(quote, messages)
    return found.words(messages) if found else None


@pytest.mark.parametrize(
    "quote, said, words",
    [
        ("I have three sons", ["I have three sons and a cat."], "I have three sons"),
        ("i HAVE three   sons", ["I have three sons and a cat."], "I have three sons"),  # case and whitespace
        ("I’m from LA", ["I'm from LA, born and raised."], "I'm from LA"),  # a curly apostrophe
        ("I'm a Virgo", ["I’m a Virgo."], "I’m a Virgo"),  # the other way round
        ('"I\'m pescatarian."', ["I'm pescatarian."], "I'm pescatarian"),  # quote marks and full stop trimmed
        ("bake bread about 3 times", ["I bake bread, about 3 times a week."], "bake bread, about 3 times"),
        ("I paint … on Sundays", ["I paint, mostly watercolours, on Sundays."], "I paint … on Sundays"),
        ("I paint...on Sundays", ["I paint, mostly watercolours, on Sundays."], "I paint … on Sundays"),
        (
            "got a new role as a pharmacist",
            ["I finally got a new role", "as a pharmacist in Leeds"],
            "got a new role … as a pharmacist",
        ),
        ("ＬＡ", ["I moved to LA."], "LA"),  # full-width forms
        ("大阪で働いています", ["私は大阪で働いています。"], "大阪で働いています"),  # a script without spaces
    ],
)
def test_a_quote_checks_out_whatever_a_model_changes_in_copying(quote, said, words):
    assert _found(quote, *said) == words


@pytest.mark.parametrize(
    "quote, said",
    [
        ("I have three boys", ["I have three sons."]),  # a synonym
        ("I have 3 sons", ["I have three sons."]),  # a digit for a number word
        ("I eat pork", ["I don't eat pork."]),  # a word left out: the "not"
        ("I love surfing", ["Morning! What's new?"]),  # made up
        ("ons", ["I have three sons."]),  # part of a word is not a word
        ("on Sundays … I paint", ["I paint, mostly watercolours, on Sundays."]),  # pieces out of order
    ],
)
def test_anything_else_is_not_the_users_words(quote, said):
    assert _found(quote, *said) is None


def test_only_the_users_messages_are_searched():
    messages = [
        SystemMessage("The user lives in Boston."),
        HumanMessage("Hi there!"),
        AIMessage("Do you live in Boston?"),
        HumanMessage("Yes."),
    ]
    said = said_in(messages)
    assert [s.text for s in said] == ["Hi there!", "Yes."]
    assert locate("lives in Boston", said) is None and locate("live in Boston", said) is None
    yes = locate("yes", said)
    assert yes is not None and yes.answer == "yes" and yes.asked == "Do you live in Boston?"


@pytest.mark.parametrize(
    "fact, quote, said, asked, reason",
    [
        # stopped by the quote alone
        ("The user eats pork.", "eat pork", "I don't eat pork these days.", "", "the opposite"),
        ("The user lives in Madrid.", "lives in Madrid", "My cousin lives in Madrid.", "", "someone else"),
        ("The user is a lawyer.", "is a lawyer", "My dad is a lawyer in Ohio.", "", "someone else"),
        ("The user is moving to Rome.", "move to Rome", "Should we move to Rome?", "", "asked"),
        ("The user lives in Austin.", "move to Austin", "Maybe we'll move to Austin.", "", "plan"),
        ("The user owns a yacht.", "I'd get a yacht", "If I were rich I'd get a yacht.", "", "plan"),
        ("The user smokes.", "nah", "Nah.", "Do you smoke?", "said no"),
        # facts the same words do state
        ("The user no longer eats pork.", "I don't eat pork", "I don't eat pork these days.", "", None),
        ("The user's cousin lives in Madrid.", "My cousin lives in Madrid", "My cousin lives in Madrid.", "", None),
        ("The user has a husband.", "My husband and I", "My husband and I run a bakery.", "", None),
        ("The user is married to Ana.", "My wife Ana is a pilot", "My wife Ana is a pilot.", "", None),
        ("The user prefers cats.", "I'm a cat person", "Dogs? Never had one, I'm a cat person.", "", None),
        ("The user avoids dairy.", "I can't have dairy", "I can't have dairy, it makes me ill.", "", None),
        ("The user may move to Austin.", "move to Austin", "Maybe we'll move to Austin.", "", None),
        ("The user plays golf.", "yep", "Yep, every weekend.", "Do you still play golf?", None),
        ("Respond in German.", "answer in German", "Can you answer in German please?", "", None),  # a request
    ],
)
def test_misreadings_the_quote_shows(fact, quote, said, asked, reason):
    found = locate(quote, [Said(said, asked=asked)])
    assert found is not None
    why = misread(fact, [found])
    assert (why is None) if reason is None else (why is not None and reason in why), why
