"""What a quote cannot show, asked of the model: does the fact mean what the user's words say?

One model call per turn's write, whatever it holds (every kind, every window, the instructions): every new fact
whose quote checked out and showed no misreading, and every stored fact the write would take back, numbered,
each with the user's words it rests on. The model answers with a verdict per claim (`agent.schemas.Verdicts`).

A claim the answer leaves out, and every claim of an answer that cannot be read (no tool call, invalid
arguments, an error after the model client's own retries), is *unverified*: a new fact then goes to the user's
review and a fact to take back stays, never kept or dropped on a guess.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from agent import prompts
from agent.schemas import Verdicts

logger = logging.getLogger(__name__)
TOOL = Verdicts.__name__
MAX_WORDS_CHARS = 600
"""Of the user's words shown for one claim (a long message is cut around the quote's clause already)."""


@dataclass
class Claim:
    """One thing a write would change, to be checked against the user's words."""

    fact: str
    change: Literal["new", "gone"]
    """A fact to keep, or a stored fact the write takes back ("no longer true")."""
    words: list[str]
    """The user's words it rests on."""
    asked: str = ""
    """The bot's question the user answered, when the words are a "yes" or "no"."""


@dataclass
class Verdict:
    holds: bool | None
    """None: unverified (the answer left it out, or could not be read)."""
    reason: str = ""


@dataclass
class Verification:
    """The verdicts of one call, by claim number; the call itself, for the cost."""

    verdicts: dict[int, Verdict] = field(default_factory=dict)
    calls: int = 0

    def of(self, number: int) -> Verdict:
        return self.verdicts.get(number, Verdict(None, "it could not be checked"))


def request(claims: Sequence[Claim]) -> str:
    """The claims as the model reads them, numbered from 1."""
    lines = []
    for number, claim in enumerate(claims, 1):
        what = f'no longer true: "{claim.fact}"' if claim.change == "gone" else f'"{claim.fact}"'
        words = " / ".join(f'"{w[:MAX_WORDS_CHARS]}"' for w in claim.words)
        asked = f' (answering the assistant\'s question "{claim.asked[:MAX_WORDS_CHARS]}")' if claim.asked else ""
        lines.append(f"{number}. {what}\n   the user said: {words}{asked}")
    return prompts.VERIFY_REQUEST.format(claims="\n".join(lines))


async def verify(model: BaseChatModel, claims: Sequence[Claim]) -> Verification:
    """One call: a verdict for each of ``claims`` (numbered from 1); unverified where the answer says nothing."""
    if not claims:
        return Verification()
    checked = Verification(calls=1)
    try:
        reply = await model.bind_tools([Verdicts], tool_choice=TOOL).ainvoke(
            [SystemMessage(prompts.VERIFY_INSTRUCTIONS), HumanMessage(request(claims))]
        )
        calls = [call for call in reply.tool_calls if call["name"] == TOOL]
        answer = Verdicts.model_validate(calls[0]["args"]) if calls else None
    except Exception as error:  # invalid arguments, or any provider error after its retries: the facts wait
        logger.warning("the verification of %d claim(s) failed: %s: %s", len(claims), type(error).__name__, error)
        return checked
    for verdict in answer.verdicts if answer else []:
        if 1 <= verdict.claim <= len(claims) and verdict.claim not in checked.verdicts:
            checked.verdicts[verdict.claim] = Verdict(verdict.holds, verdict.reason.strip()[:200])
    return checked
