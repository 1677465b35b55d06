"""What part of a thread goes into the answering prompt: the newest messages within the prompt budget.

However long a thread grows (and whatever reached it), the prompt sent to the model stays within
``limits.PROMPT_CHARS`` characters: the system prompt and the newest message always stay, the oldest
messages leave first.
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
        size = len(message.text)
        if kept and size > room:
            break
        kept.append(message)
        room -= size
    return kept[::-1]
