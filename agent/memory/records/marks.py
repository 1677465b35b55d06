"""The mark a message carries when it must never reach long-term memory: said in a temporary chat, or while the
user's memory was off.

The chat graph marks a turn's messages (the user's and the bot's reply) in the thread itself, so every later
reader of the thread sees it: a later turn of the same thread, "Add my earlier chats", a copy of the thread.
Every path into memory drops marked messages (`kept`), and an exchange whose message is marked is never an
episode.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from langchain_core.messages import BaseMessage

UNKEPT = "memory_unkept"
"""The ``additional_kwargs`` key of a message memory must never keep; its value says why."""

M = TypeVar("M", bound=BaseMessage)


def is_unkept(message: BaseMessage) -> bool:
    return bool(message.additional_kwargs.get(UNKEPT))


def marked(message: M, why: str) -> M:
    """A copy of ``message`` (same id, so it replaces the original in the thread) that memory never keeps."""
    return message.model_copy(update={"additional_kwargs": {**message.additional_kwargs, UNKEPT: why}})


def kept(messages: Sequence[M]) -> list[M]:
    """The ``messages`` memory may keep."""
    return [message for message in messages if not is_unkept(message)]
