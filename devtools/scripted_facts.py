"""What the scripted model understands of what a user says, and how it phrases it, the way a real model does.

It understands a handful of English statements about the user ("I'm Lance", "I live in X", "I moved to X", "I work
as a X", "I like X"), "my <field> is/are X" for a field of any kind, any first-person sentence as a fact for a kind
it has no script for ("I'm building a shed" -> 'The user is building a shed.'), and retractions ("forget that I
like X", "I no longer like X", "I don't like X anymore"), and instructions for the bot ("keep it short", "answer in
French", "don't suggest X"). What it writes down is phrased as gpt-4o-mini phrases extractions, not in the user's
words: abbreviations spelt out ("NYC" -> 'New York City'), "like" said as 'enjoys', a job capitalised in the
profile, a sentence per fact. The words it quotes for a fact are the user's, copied the way real models copy them:
trimmed to the clause, re-cased, their punctuation dropped and their apostrophes curled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.messages import BaseMessage

_LEAD = r"(?i:\b{})\s+"
_PLACE = r"([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)"
_PHRASE = r"([a-z][\w' -]*?)\s*(?:[.,!?;]|\band\b|$)"
FACT_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("name", re.compile(_LEAD.format("(?:my name is|i'm|i am|call me)") + r"(?!(?:a|an|from|in)\b)([A-Z][a-z]+)")),
    (
        "location",
        re.compile(
            _LEAD.format("(?:i live in|i moved to|i moved from .+? to|i now live in|i'm from|i am from)") + _PLACE
        ),
    ),
    ("job", re.compile(_LEAD.format("(?:i work as an?|i work as|my job is)") + _PHRASE)),
    ("interests", re.compile(_LEAD.format("(?:i like|i love|i enjoy)") + _PHRASE)),
]

_WORD_OF_ANY_SCRIPT = r"([^\s.,!?;:。、，！？]+)"
FACT_PATTERNS += [  # other languages, written down in English as real models do ("Меня зовут Ольга" -> name: Ольга)
    ("name", re.compile(r"(?i:меня зовут|με λένε|اسمي|मेरा नाम)\s+" + _WORD_OF_ANY_SCRIPT)),
    ("name", re.compile(r"(?:私は|我叫)" + _WORD_OF_ANY_SCRIPT.replace("]+)", "]+?)") + r"(?:です|[。，,.!]|$)")),
    ("location", re.compile(r"(?i:я живу в|μένω στην?|و?أسكن في)\s+" + _WORD_OF_ANY_SCRIPT)),
    ("location", re.compile(r"मैं\s+" + _WORD_OF_ANY_SCRIPT + r"\s+में\s+रहत[^\s.,!?।]*")),
    ("location", re.compile(_WORD_OF_ANY_SCRIPT.replace("]+)", "]+?)") + r"に住んでいます")),
    ("location", re.compile(r"我住在" + _WORD_OF_ANY_SCRIPT)),
]

# How the user wants the bot to answer (procedural memory), and the instruction each becomes.
INSTRUCTION_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\bkeep (?:it|your answers|answers|your replies) (short|brief)", re.I), "Keep responses brief."),
    (re.compile(r"\b(?:answer|reply|respond|talk|speak) (?:to me )?in ([A-Z][a-z]+)"), "Respond in {}."),
    (re.compile(r"\b(?:don't|do not) suggest ([\w' -]+?)(?:[.,!?;]|$)", re.I), "Avoid suggesting {}."),
]

RETRACTION = re.compile(
    _LEAD.format("(?:forget that i|i no longer|i don't|i do not)") + r"(?:like|love|enjoy)\s+" + _PHRASE
)
_ANYMORE = re.compile(r"\s+any\s?more$", re.I)

PLACES = {
    "NYC": "New York City",
    "SF": "San Francisco",
    "LA": "Los Angeles",
    "DC": "Washington, D.C.",
    "UK": "the United Kingdom",
    "Philly": "Philadelphia",
}
"""Abbreviations a real model spells out."""

SENTENCES = {
    "name": "The user's name is {}.",
    "location": "The user lives in {}.",
    "job": "The user works as {}.",
    "interests": "The user enjoys {}.",
}


@dataclass(frozen=True)
class Stated:
    """A fact the user stated, as the model writes it down, with the words it quotes for it."""

    field: str
    value: str
    quote: str

    def sentence(self) -> str:
        """The fact as a line of the document or a collection item."""
        if self.field == "job":
            return SENTENCES["job"].format(f"{_article(self.value)} {self.value}")
        return SENTENCES[self.field].format(self.value)

    def profile_value(self) -> str:
        """The fact as the profile's field holds it."""
        return self.value[:1].upper() + self.value[1:] if self.field == "job" else self.value


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def copied(words: str) -> str:
    """The user's words as a real model copies them into a quote: trimmed, re-cased, apostrophes curled."""
    quote = words.strip().strip(".,!?;:").strip().replace("'", "’")
    return quote[:1].lower() + quote[1:] if quote[:2] in ("I ", "I’") else quote


def user_utterances(messages: Sequence[BaseMessage]) -> list[str]:
    """What the user said: human messages, or 'user:' lines of a transcript."""
    said: list[str] = []
    for message in messages:
        if message.type != "human":
            continue
        text = message.text
        if "<conversation>" in text:
            said += [line[5:].strip() for line in text.splitlines() if line.startswith("user:")]
        else:
            said.append(text)
    return said


def facts_in(utterances: Sequence[str]) -> list[Stated]:
    """The facts the user stated, in the order they were said (retractions left out)."""
    facts = []
    for text in utterances:
        text = RETRACTION.sub(lambda m: " " * len(m.group(0)), text)  # same length: quotes stay where they were
        for field, pattern in FACT_PATTERNS:
            for m in pattern.finditer(text):
                value = m.group(1).strip()
                facts.append(Stated(field, PLACES.get(value, value), copied(m.group(0))))
    return facts


def instructions_in(utterances: Sequence[str]) -> list[tuple[str, str]]:
    """The instructions the user gave about how the bot should answer, as the bot writes them down, each with
    the words it quotes for it."""
    found = []
    for text in utterances:
        for pattern, instruction in INSTRUCTION_PATTERNS:
            found += [(instruction.format(m.group(1).strip()), copied(m.group(0))) for m in pattern.finditer(text)]
    return found


def retractions_in(utterances: Sequence[str]) -> list[str]:
    """The interests the user takes back ("forget that I like chess" -> "chess")."""
    return [_ANYMORE.sub("", m.group(1).strip()) for text in utterances for m in RETRACTION.finditer(text)]


def field_of(sentence: str) -> str | None:
    """Which field a sentence the brain wrote states ('The user lives in ...' -> location)."""
    for field, template in SENTENCES.items():
        if sentence.startswith(template.split("{}")[0]):
            return field
    return None


_SENTENCE = re.compile(r"[^.!?\n]+")
_FIRST_PERSON = [
    (re.compile(r"^(?:i'm|i’m|i am)\s+(.+)$", re.I), "The user is {}."),
    (re.compile(r"^my\s+(.+)$", re.I), "The user's {}."),
    (re.compile(r"^i\s+(?:have|had)\s+(.+)$", re.I), "The user has {}."),
    (re.compile(r"^i\s+(\w+?)(s?)\s+(.+)$", re.I), None),  # I grow tomatoes -> The user grows tomatoes.
]


def statements_in(utterances: Sequence[str]) -> list[tuple[str, str]]:
    """Every first-person sentence the user said, as a real model writes it down ("I'm building a shed" ->
    'The user is building a shed.'), each with the words it quotes: what a model without a script for a kind
    still keeps of a conversation."""
    found = []
    for text in utterances:
        for match in _SENTENCE.finditer(text):
            sentence = match.group().strip()
            for pattern, template in _FIRST_PERSON:
                if m := pattern.match(sentence):
                    if template is None:
                        verb = m.group(1) + ("es" if m.group(1).endswith(("s", "sh", "ch", "x")) else "s")
                        written = f"The user {verb} {m.group(3)}."
                    else:
                        written = template.format(m.group(1))
                    found.append((written, copied(sentence)))
                    break
    return found


def field_values_in(utterances: Sequence[str], field: str) -> list[tuple[str, str]]:
    """What the user said their ``field`` is ("my pets are a dog and a cat" -> "a dog and a cat", for ``pets``;
    "its status is almost done" -> "almost done", for ``status``), each with the words it quotes; any field name,
    singular or plural, underscores as spaces."""
    name = field.replace("_", " ")
    names = {name, name.rstrip("s"), name[:-3] + "y" if name.endswith("ies") else name}
    alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    pattern = re.compile(
        r"\b(?:my|its|our|the)\s+(?:" + alternatives + r")\s+(?:is|are|:)\s+([^.!?;\n]+)",
        re.I,
    )
    return [(m.group(1).strip(), copied(m.group(0))) for text in utterances for m in pattern.finditer(text)]


_CALLED = re.compile(r"\b(?:called|named)\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)")


def called_in(statement: str) -> str | None:
    """The name a sentence gives something ("a project called Atlas" -> "Atlas"), as a model fills a name field."""
    found = _CALLED.search(statement)
    return found.group(1) if found else None
