"""A user's memory switch: on, or paused ("memory off"), whether a paused memory is still read, and whether their
chats are temporary unless a thread asks to be remembered.

One item per user, under ("memory", <user>, "controls") / "switch": ``{"paused": bool, "use_while_paused": bool,
"temporary_by_default": bool}``.
The user sets it on the page, the command line or through the store API (it is theirs, like their memories);
every replica reads it from the store, so it holds across restarts and replicas. A value in any other shape
reads as on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from langgraph.store.base import BaseStore

from agent.stores.layout import space

KEY = "switch"


@dataclass(frozen=True)
class Switch:
    """Paused: nothing said is ever written (not later either). ``use_while_paused``: answers still read what is
    stored."""

    paused: bool = False
    use_while_paused: bool = True
    temporary_by_default: bool = False
    """Every chat is temporary unless its thread was given ``memory_use`` "read_write" (`agent.turn_memory`)."""

    def as_dict(self) -> dict[str, bool]:
        return asdict(self)

    @property
    def reads(self) -> bool:
        return not self.paused or self.use_while_paused


def switch_of(value: object) -> Switch:
    """The switch a stored value holds, whatever shape a client left it in."""
    found = value if isinstance(value, dict) else {}
    paused, use = found.get("paused"), found.get("use_while_paused")
    return Switch(paused is True, use if isinstance(use, bool) else True, found.get("temporary_by_default") is True)


def namespace(user_id: str) -> tuple[str, ...]:
    return space(user_id).controls


async def read_switch(store: BaseStore, user_id: str) -> Switch:
    item = await store.aget(namespace(user_id), KEY)
    return switch_of(item.value if item else None)
