"""Graph states: the chat thread and the per-user memory-writer thread."""

from __future__ import annotations

from typing import Annotated, Any, NotRequired

from langchain_core.messages import AnyMessage
from langgraph.graph import MessagesState
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict


class ChatState(MessagesState):
    """A chat thread: its messages, and how far long-term memory has taken them in."""

    memory_use: NotRequired[str | None]
    """The thread's own memory use, given in a run's input: 'off' makes it a temporary chat for good,
    'read_only' uses memory and changes none (`agent.turn_memory`)."""
    memory_cursor: NotRequired[str | None]
    """Id of the last message handed to the memory writer (or written, in hot-path mode)."""
    memory_write: NotRequired[dict[str, Any] | None]
    """Where the last background write was queued: {"thread_id", "run_id"}."""
    recalled_memory: NotRequired[str | None]
    """The memory section of the system prompt the last reply was written with (what the bot knew)."""
    memory_note: NotRequired[str | None]
    """Hot-path mode: what the last memory write did (saved, kept, left out)."""


class MemoryWriterState(TypedDict):
    """The memory-writer thread of one user and memory type: messages waiting to be extracted."""

    messages: Annotated[list[AnyMessage], add_messages]
    failed_runs: NotRequired[int]
    """Runs in a row whose extraction failed on these messages."""
    error: NotRequired[str | None]
    """Why the last run failed, if it did."""
    note: NotRequired[str | None]
    """What the last successful write did (saved, kept, left out)."""
