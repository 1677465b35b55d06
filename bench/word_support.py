"""Whether what the user said supports a fact an extraction proposes: nothing the user never said is stored.

A fact is supported when more than two thirds of its own words, the words that make its claim, were said
by the user in the messages the extraction read (a claim of one to three words: all of them). Its own words
leave out the fact's frame: the words any memory is phrased with ("the user", "likes", "works as", "lives
in", a label such as 'Location:' or a profile field's name). Words match on a short stem, so "hiking"
supports "hikes" and "moved" supports "move". A fair paraphrase that keeps the claim's words passes ("I
love green tea" supports "The user likes green tea."); one that swaps the claim's words for synonyms does
not, and is left out like an invention (a known limit: to a word check, an invented fact and one reworded
past recognition look the same).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from agent.memory.records.facts import Fact

SUPPORTED_SHARE = 2 / 3
"""Of a fact's own words, the user must have said more than this share."""

_WORD = re.compile(r"[a-z0-9][a-z0-9']*")
_SUFFIXES = ("ing", "ied", "ies", "ed", "es", "er", "ly", "s", "e")
# Words that frame a memory rather than claim anything about the user.
_FRAME = frozenset(
    """
    a an the and or of to in on at for with from by as is are was were be been am has have had do does did
    user user's users their they them he she his her i me my mine you your we our it its this that these those
    not no also now currently still who which what when where there here than then very really just so
    like likes liked love loves enjoy enjoys enjoyed prefer prefers favorite favourite interest interests hobby
    hobbies work works worked working job occupation profession live lives lived living home based name named
    call called calls go goes going want wants plan plans planning say says said told mention mentioned
    person people know knows fact
    """.split()
)


def stem(word: str) -> str:
    """A short, forgiving stem: suffixes stripped, then the first five letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:5]


def stems(text: str) -> set[str]:
    """The stems of ``text``'s words, the frame left out."""
    return {stem(word) for word in _WORD.findall(text.lower()) if word not in _FRAME}


def claim(fact: Fact) -> set[str]:
    """The stems of the words that make ``fact``'s claim (its frame and any label left out)."""
    label, colon, rest = fact.text.partition(":")
    return stems(rest if colon and len(label) <= 40 else fact.text)  # a label ('Location:', a field) frames


def supported(fact: Fact, said: set[str]) -> bool:
    """Whether ``said`` (the stems of what the user said) supports ``fact``."""
    claimed = claim(fact)
    if not claimed:
        return True  # nothing claimed beyond the frame
    return len(claimed & said) / len(claimed) > SUPPORTED_SHARE


def unsupported(facts: Iterable[Fact], said_text: str) -> list[Fact]:
    """The ``facts`` the user's words ``said_text`` do not support."""
    said = stems(said_text)
    return [fact for fact in facts if not supported(fact, said)]
