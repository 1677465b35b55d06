"""Procedural memory: how each user wants the bot to answer them, learned from their feedback.

Kept per user as small items under ("memory", <user>, "instructions"), whatever memory type an assistant
uses, with the same guards, history and restore as facts (`agent.memory.kinds.INSTRUCTIONS`). Written off the
chat's critical path, and only when the user's messages read like feedback about the bot's behaviour
(``gives_instructions``): statements about themselves cost no extra model call. Read into every answering
prompt, apart from the facts, within a budget of their own (``instructions_char_budget``).

An instruction is the user's own preference for their own chats: it reaches only their prompts, as the
``system_prompt`` setting they may already send could, and cannot change another user's bot or any guard
(the guards are code, not prompt).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.messages import AnyMessage
from langgraph.store.base import BaseStore, Item

from agent import prompts
from agent.memory.kinds import INSTRUCTIONS
from agent.memory.records.namespaces import list_all, memory_namespace

_CUES = re.compile(
    r"\b(?:answer|reply|respond|write|talk|speak)\b[^.!?]*\b(?:in|with|more|less|short|shorter|long|longer|briefly)\b"
    r"|\b(?:keep|make)\b[^.!?]*\b(?:short|brief|concise|simple|long|detailed)\b"
    r"|\b(?:don'?t|do not|never|stop|no more)\b[^.!?]*\b(?:suggest|recommend|use|mention|call|say|include|ask)\w*\b"
    r"|\b(?:call me|address me|refer to me)\b"
    r"|\bbe (?:more |less )?(?:brief|concise|formal|casual|polite|funny|direct|short)\b"
    r"|\byour (?:answers|replies|responses|tone|messages)\b",
    re.I,
)


def gives_instructions(messages: Sequence[AnyMessage]) -> bool:
    """Whether the user's messages read like feedback about how the bot should answer."""
    return any(m.type == "human" and _CUES.search(m.text) for m in messages)


async def recall_instructions(store: BaseStore, user_id: str, budget: int) -> tuple[str, list[Item]]:
    """The user's instructions for the answering prompt, newest first, within ``budget`` characters; and the
    stored items shown."""
    if budget <= 0:
        return prompts.NO_INSTRUCTIONS, []
    items = await list_all(store, memory_namespace(user_id, INSTRUCTIONS.name))
    items.sort(key=lambda item: item.updated_at, reverse=True)
    shown = INSTRUCTIONS.fit(items, budget)
    return ("\n".join(line for _, line in shown) or prompts.NO_INSTRUCTIONS), [item for item, _ in shown]


_PLACES = re.compile(r"\{(memory|instructions|time)\}")


def answering_prompt(template: str, memory: str, instructions: str, now: str) -> str:
    """The system prompt: ``template`` with the memory, the instructions (added when it has no place for them,
    so every prompt carries them) and the time filled in. Each place is filled once, its first occurrence in
    the template; a later one stays as it is, and nothing filled in is ever read for places (a memory holding
    '{instructions}' is shown as it is): the prompt is never more than the template and one of each."""
    if "{instructions}" not in template:
        template += prompts.INSTRUCTIONS_SECTION
    values = {"memory": memory, "instructions": instructions, "time": now}
    filled: set[str] = set()

    def fill(place: re.Match) -> str:
        name = place.group(1)
        if name in filled:
            return place.group(0)
        filled.add(name)
        return values[name]

    return _PLACES.sub(fill, template)
