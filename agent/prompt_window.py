"""What part of a thread goes into the answering prompt: the newest messages within the prompt budget.

However long a thread grows (and whatever reached it), the prompt sent to the model stays within
``limits.PROMPT_CHARS`` characters: the system prompt and the newest message always stay, the oldest
messages leave first. A message counts all it carries, tool calls and their arguments included.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AnyMessage

from agent import limits


def fit_prompt(system: str, messages: Sequence[AnyMessage], budget: int | None = None) -> list[AnyMessage]:
    """The newest ``messages`` that fit beside ``system`` in ``budget`` characters (default: the deployment's);
    the newest message is kept whatever its size."""
    room = (budget if budget is not None else limits.PROMPT_CHARS.value()) - len(system)
    kept: list[AnyMessage] = []
    for message in reversed(messages):
        size = limits.message_chars(message)
        if kept and size > room:
            break
        kept.append(message)
        room -= size
    return kept[::-1]


def overflow(messages: Sequence[AnyMessage], written_through: str | None) -> list[AnyMessage]:
    """The oldest messages a thread lets go to keep within ``limits.THREAD_CHARS``: only those its memory write has
    already read (up to the message ``written_through``, kept as episodes), never the newest turn."""
    ids = [m.id for m in messages]
    if written_through not in ids:
        return []
    excess = sum(limits.message_chars(m) for m in messages) - limits.THREAD_CHARS.value()
    dropped: list[AnyMessage] = []
    for message in messages[: ids.index(written_through)]:
        if excess <= 0:
            break
        dropped.append(message)
        excess -= limits.message_chars(message)
    return dropped
