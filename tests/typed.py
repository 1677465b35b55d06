"""Small typed helpers the tests share: the SDK's loose types narrowed to what this project's graphs return."""

from __future__ import annotations

from typing import Any, TypedDict

from langgraph_sdk.schema import Thread, ThreadState


class DelaySettings(TypedDict):
    """Context settings spread into ``ensure_assistant(client, memory_type, **settings)``."""

    memory_delay_seconds: float


def state_values(state: ThreadState) -> dict[str, Any]:
    """A thread state's values: always a dict for this project's graphs (the SDK also allows a list)."""
    values = state["values"]
    assert isinstance(values, dict), values
    return values


def thread_values(thread: Thread) -> dict[str, Any]:
    """A thread's current values (the SDK types them as possibly None)."""
    values = thread["values"]
    assert values is not None, thread
    return values
