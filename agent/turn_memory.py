"""What memory a chat turn may use: read it, write it, both or neither.

Three settings meet, and the strictest wins:

- the run's (or, by default, the assistant's) ``memory_use`` (`agent.context.Context`);
- the thread's own ``memory_use``, given once in a run's input (``{"memory_use": "off"}``): a temporary thread
  stays temporary, whatever a later run asks;
- the user's memory switch (`agent.memory.records.controls`): paused, nothing is written; read only if the user
  chose to keep using what is stored. With chats temporary by default, a thread is temporary unless it was
  given ``memory_use`` "read_write" itself.

A turn that may not write is marked in the thread (`agent.memory.records.marks`): its messages are never
written, by this turn or any later one. The answer records what its prompt used (``receipt``): ids and the
version each item had, no copies, in the reply's ``additional_kwargs`` where only the thread's owner reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from langchain_core.messages import AnyMessage
from langgraph.store.base import BaseStore, Item

from agent.memory.records import controls, episodes
from agent.memory.records.marks import marked

MemoryUse = Literal["read_write", "read_only", "off"]
USES: tuple[str, ...] = get_args(MemoryUse)
RECEIPT = "memory_used"
"""The ``additional_kwargs`` key of a reply's receipt."""


@dataclass(frozen=True)
class TurnMemory:
    reads: bool
    writes: bool
    why: str | None = None
    """Why the turn is not written: 'temporary', 'read_only' or 'paused'."""


def strictest(*uses: str | None) -> str:
    for given in uses:
        if given is not None and given not in USES:
            raise ValueError(f"memory_use must be one of {', '.join(USES)} (got {given!r})")
    return max((u for u in uses if u is not None), key=USES.index, default="read_write")


async def turn_memory(store: BaseStore, user_id: str, run_use: str, thread_use: str | None) -> TurnMemory:
    use = strictest(run_use, thread_use)
    if use == "off":
        return TurnMemory(reads=False, writes=False, why="temporary")
    switch = await controls.read_switch(store, user_id)
    if switch.temporary_by_default and thread_use != "read_write":
        return TurnMemory(reads=False, writes=False, why="temporary")
    if switch.paused:
        return TurnMemory(reads=use == "read_only" or switch.use_while_paused, writes=False, why="paused")
    return TurnMemory(reads=True, writes=use == "read_write", why=None if use == "read_write" else "read_only")


def unkept_turn(block: Sequence[AnyMessage], why: str) -> list[AnyMessage]:
    """The turn's input messages, marked never to be kept (same ids: they replace the originals)."""
    return [marked(message, why) for message in block]


def receipt(user_id: str, memory_type: str, shown: Sequence[Item], instructions: Sequence[Item]) -> dict:
    """What an answer's prompt used: memories and instructions by key with the version they had (their
    ``updated_at``), and past exchanges by episode key."""

    def version(item: Item) -> str:
        return item.updated_at.isoformat()

    own_episodes = episodes.namespace(user_id)
    return {
        "memory_type": memory_type,
        "memories": [
            {"key": item.key, "version": version(item)} for item in shown if tuple(item.namespace) != own_episodes
        ],
        "episodes": [item.key for item in shown if tuple(item.namespace) == own_episodes],
        "instructions": [{"key": item.key, "version": version(item)} for item in instructions],
    }
