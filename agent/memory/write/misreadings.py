"""What the quote alone shows a fact is not: misreadings stopped without asking a model.

A quote that checks out (`agent.memory.write.grounding`) proves the user said those words, not that the fact means
what they meant. Four misreadings show in the words around the quote, and a fact showing one is held for the
user's review whatever a verifying model says:

- **a question**: the sentence the quote comes from asks ("Should I move to Berlin?"), unless it asks the bot
  to do something ("Could you answer in French?");
- **the opposite**: the quote's clause says no ("not", "n't", "never", "no longer", ...) and the fact says
  nothing negative ("I don't drink coffee anymore" -> 'likes coffee'), or the user said "no" to the bot's
  question and the fact is what the question asked;
- **someone else's**: the clause is about another person ("my sister", "he", "her job") who does not figure in
  the fact ("My sister lives in Boston" -> 'lives in Boston'; 'has a sister in Boston' is fine);
- **a plan or a what-if**: the clause says might, would, if, want to, thinking about, someday, ... and the fact
  states it as done ("We might move to Denver" -> 'lives in Denver').

The cues are English. In another language these checks see nothing, and the verifying model decides alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.memory.write.grounding import Evidence

_CONTRACTED_NOT = (
    r"\w+n['’]t|cant|dont|doesnt|didnt|isnt|arent|wasnt|werent|wont|wouldnt|shouldnt|couldnt|havent|hasnt|hadnt|aint"
)
NEGATION = re.compile(
    rf"\b(?:not|no|never|nobody|nothing|none|neither|nor|cannot|no longer|anymore|any more|without|"
    rf"{_CONTRACTED_NOT})\b",
    re.I,
)
NEGATIVE = re.compile(
    r"\b(?:dislik\w*|hates?|hated|hating|avoids?|avoided|avoiding|allerg\w*|intoleran\w*|quit|quits|stopped|"
    r"gave up|given up|former\w*|used to|lacks?|free of|\w+-free|opposed|refuses?|declin\w*)\b",
    re.I,
)
_REQUEST = re.compile(r"^\W*(?:please\b|(?:could|can|would|will)\s+you\b|would you mind\b|how about\b)", re.I)
_MODAL = re.compile(
    r"\b(?:if|would|might|maybe|perhaps|someday|one day|thinking (?:about|of)|considering|plan(?:s|ning)? to|"
    r"planning|wants? to|wanna|hope to|hoping to|wish(?:es)?|imagine|suppose|supposing|gonna|going to|dream of|"
    r"\w+['’]d)\b",
    re.I,
)
_MODAL_FACT = re.compile(
    r"\b(?:plan\w*|want\w*|hope\w*|wish\w*|might|may|would|could|consider\w*|thinking|someday|one day|future|"
    r"intend\w*|goal\w*|dream\w*|if|will|going to|next|upcoming|soon|aspir\w*|interested in|hypothetical\w*|"
    r"imagin\w*)\b",
    re.I,
)
_DISCOURSE = frozenset(
    "well so oh and but also sure yes yeah actually honestly basically anyway btw lol ok okay hey um uh "
    "just now then plus".split()
)
_PRONOUNS = frozenset("he she they his her their hes shes theyre theyve hed shed".split())
_FAMILIES = [
    frozenset("wife husband spouse partner married marriage".split()),
    frozenset("kid kids child children son sons daughter daughters baby babies twins toddler parent".split()),
    frozenset("mom mum mother dad father parents mom's mother's".split()),
    frozenset("sister sisters brother brothers sibling siblings".split()),
    frozenset("boyfriend girlfriend partner dating fiance fiancee fiancé fiancée engaged".split()),
    frozenset("friend friends buddy".split()),
    frozenset("boss manager coworker coworkers colleague colleagues".split()),
    frozenset("roommate roommates flatmate housemate".split()),
    frozenset("neighbor neighbors neighbour neighbours".split()),
    frozenset("cousin cousins aunt uncle niece nephew".split()),
    frozenset("grandma grandmother grandpa grandfather grandparents granddaughter grandson".split()),
    frozenset("dog dogs puppy cat cats kitten pet pets".split()),
    frozenset("team family".split()),
]
RELATIONS = frozenset().union(*_FAMILIES)
_WORD = re.compile(r"[\w'’-]+")


def _words(text: str) -> list[str]:
    return [word.lower().replace("’", "'") for word in _WORD.findall(text)]


def is_question(sentence: str) -> bool:
    """Whether ``sentence`` asks something (rather than stating it, or asking the bot to do something)."""
    return sentence.rstrip().endswith(("?", "？")) and not _REQUEST.match(sentence)


def negated(text: str) -> bool:
    return bool(NEGATION.search(text))


def negative(fact: str) -> bool:
    """Whether the fact itself says no (or that the user avoids, dislikes, gave up ...)."""
    return bool(NEGATION.search(fact) or NEGATIVE.search(fact))


def someone_else(clause: str) -> str | None:
    """Who the clause is about, when that is another person: "sister" for "my sister lives in Boston", "her"
    for "her job is in nursing"; None when it is the user (or the user is one of them: "my wife and I")."""
    words = _words(clause)
    while words and words[0] in _DISCOURSE:
        words = words[1:]
    lead = words[:6]
    if not lead or any(a == "and" and b in ("i", "me") for a, b in zip(lead, lead[1:], strict=False)):
        return None
    if lead[0] in _PRONOUNS:
        return lead[0]
    if lead[0] in ("my", "our"):
        return next((word for word in lead[1:4] if word.rstrip("s'") in RELATIONS or word in RELATIONS), None)
    return None


def _mentions(fact: str, who: str, clause: str) -> bool:
    """Whether ``fact`` names the other person ``who`` of ``clause``: their relation (or its family of words),
    their name, or a pronoun for them."""
    said = set(_words(fact))
    if who in _PRONOUNS:
        family = RELATIONS | _PRONOUNS
    else:
        family = frozenset({who, who.rstrip("s")}).union(*(f for f in _FAMILIES if who in f or who.rstrip("s") in f))
    written = _WORD.findall(clause)
    names = {  # the name given right after the relation: "my husband Tom", "my friend Sam"
        after.lower()
        for word, after in zip(written, written[1:], strict=False)
        if word.lower() == who and after[:1].isupper() and after != "I"
    }
    return bool(said & (family | names)) or any(word.rstrip("'s") in family for word in said)


def modal(text: str) -> bool:
    return bool(_MODAL.search(text))


def _as_statement(question: str) -> str:
    """The bot's question read as the user's statement ("Do you still work at Google?" -> "Do I still work at
    Google"), for a "yes" or "no" that answers it."""
    swapped = re.sub(r"\byourself\b", "myself", question, flags=re.I)
    swapped = re.sub(r"\byours\b", "mine", swapped, flags=re.I)
    swapped = re.sub(r"\byour\b", "my", swapped, flags=re.I)
    swapped = re.sub(r"\byou\b", "I", swapped, flags=re.I)
    return swapped.rstrip(" ?？")


def misread(fact: str, evidence: Sequence[Evidence]) -> str | None:
    """Why the quotes show ``fact`` is not what the user said, in a few words for the user; None when they show
    nothing wrong."""
    for found in evidence:
        clause = found.clause
        if found.answer:
            clause = _as_statement(found.asked)
            if found.answer == "no" and not negative(fact):
                return "you said no when asked"
        elif is_question(found.sentence):
            return "you asked it, you did not say it"
        if negated(clause) and not negative(fact):
            return "you said the opposite (a 'not' the fact leaves out)"
        if (who := someone_else(clause)) and not _mentions(fact, who, clause):
            return f"you said it about someone else ({who})"
        if modal(clause) and not _MODAL_FACT.search(fact):
            return "it was a plan or a what-if, not a fact"
    return None
