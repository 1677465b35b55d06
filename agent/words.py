"""Words, one way for the whole project: what a quote is looked up by, what retrieval ranks on, what the embedded
model's answers are checked against.

A word is a run of letters, digits and marks of any script (a mark alone is not one: emoji and symbols never make a
word), case-folded and in NFKC form ("ＮＹＣ" is "nyc"); apostrophes inside a word are dropped ("I'm" is "im", "don’t"
is "dont"). In a script written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese) each character is a
word of its own, so text in those scripts is matched character by character rather than lost. Terms are the words
that carry meaning: English stopwords left out and English words cut to a short stem (common suffixes stripped:
"hiking", "hikes" and "hike" are all "hik"); words of other languages are kept as they are.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = frozenset("'’ʼ‘`´")
_UNSPACED_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR", "IDEOGRAPHIC")
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:['`][a-z][a-z0-9]*)*")
_SUFFIXES = ("ing", "ed", "es", "er", "s", "e")
_MIN_STEM = 3
STOPWORDS = frozenset(
    """
    a an the and or of to in on at for with is are was were be been am did do does what when where who whom which
    why how that this it its as by from has have had i you he she they we his her their them my me your our not no
    yes would could should will can about after before into than then there these those so if but just also very
    user users like likes liked
    """.split()
)
"""Words too common to tell one memory from another (as they read after splitting: "user's" is "users")."""


def _is_unspaced(char: str) -> bool:
    return unicodedata.name(char, "").startswith(_UNSPACED_SCRIPTS)


def tokens(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text`` with where each stands in it: (word, start, end)."""
    if text.isascii():
        return [
            (match.group().replace("'", "").replace("`", ""), match.start(), match.end())
            for match in _ASCII_WORD.finditer(text.lower())
        ]
    found: list[tuple[str, int, int]] = []
    word, start = "", -1
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).casefold()
        kind = unicodedata.category(folded[:1] or char)[0]
        if (kind in "LN" or (kind == "M" and word)) and not _is_unspaced(char):  # a mark only inside a word
            if not word:
                start = index
            word += folded
            continue
        if char in _APOSTROPHES and word and index + 1 < len(text) and text[index + 1].isalpha():
            continue  # inside a word: "don't", "I’m"
        if word:
            found.append((word, start, index))
            word = ""
        if kind in "LNM" and _is_unspaced(char):  # a character of a script without spaces
            found.append((folded, index, index + 1))
    if word:
        found.append((word, start, len(text)))
    return found


def words(text: str) -> list[str]:
    """The words of ``text``, in order."""
    return [word for word, _, _ in tokens(text)]


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """An English word's short stem (one common suffix stripped, at least three letters left); another word as
    it is."""
    if word.isascii() and word.isalpha():
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
                return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """The words of ``text`` that carry meaning, stemmed, in order: stopwords left out."""
    return [stem(word) for word in words(text) if word not in STOPWORDS]
