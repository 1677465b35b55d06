"""The deployment's bounds on what one caller may send and spend, each settable in the environment.

Every limit has a documented default and an environment variable (``MEMORY_CHATBOT_<NAME>``) that a
deployment sets to change it; a value that is not a whole number from 1 up is refused when it is read,
with an error naming the variable. The server refuses what goes beyond a limit with a 4xx naming it
(`agent.server.auth`, `agent.server.route_guard`); the graphs bound what reaches the model whatever was
stored (`agent.chat_input`, `agent.prompt_window`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

PREFIX = "MEMORY_CHATBOT_"


@dataclass(frozen=True)
class Limit:
    name: str
    default: int
    what: str

    @property
    def env(self) -> str:
        return PREFIX + self.name.upper()

    def value(self) -> int:
        """The deployment's setting (its environment variable), else the default."""
        raw = os.environ.get(self.env, "").strip()
        if not raw:
            return self.default
        if not raw.isdigit() or int(raw) < 1:
            raise ValueError(f"{self.env} must be a whole number from 1 up, not {raw!r}")
        return int(raw)


MESSAGE_CHARS = Limit("max_message_chars", 20_000, "characters of one message")
INPUT_CHARS = Limit("max_input_chars", 40_000, "characters of the messages one run sends")
INPUT_MESSAGES = Limit("max_input_messages", 32, "messages one run sends")
PROMPT_CHARS = Limit("max_prompt_chars", 64_000, "characters of one prompt sent to the model")
SETTING_CHARS = Limit("max_setting_chars", 16_000, "characters of a free-text setting (system_prompt)")
METADATA_CHARS = Limit("max_metadata_chars", 16_000, "characters of JSON of a thread's, run's or assistant's metadata")
NAME_CHARS = Limit("max_name_chars", 1_000, "characters of an assistant's name or description")
BODY_BYTES = Limit("max_body_bytes", 262_144, "bytes of one request body")
ACTIVE_RUNS = Limit("max_active_runs_per_user", 4, "chat threads of one user running or queued at once")
THREAD_CHARS = Limit("max_thread_chars", 400_000, "characters of the messages one thread keeps")
HISTORY_STATES = Limit("max_history_states", 10, "states of a thread one history request returns")
STORE_WRITES = Limit("max_store_writes_per_minute", 240, "store writes of one user per minute")
EMBEDDED_WRITES = Limit("max_embedded_writes_per_minute", 60, "embedded store writes of one user per minute")
STORE_ITEMS = Limit("max_store_items_per_user", 20_000, "items one user keeps in the store")
QUEUED_RUNS = Limit("max_queued_runs_per_user", 8, "runs of one user waiting behind another on its thread")

ALL = (
    MESSAGE_CHARS,
    INPUT_CHARS,
    INPUT_MESSAGES,
    PROMPT_CHARS,
    SETTING_CHARS,
    METADATA_CHARS,
    NAME_CHARS,
    BODY_BYTES,
    THREAD_CHARS,
    HISTORY_STATES,
    ACTIVE_RUNS,
    QUEUED_RUNS,
    STORE_WRITES,
    EMBEDDED_WRITES,
    STORE_ITEMS,
)


_NOT_COUNTED = frozenset({"content", "role", "type", "id", "name"})  # a message's text, and the labels every one has


def message_chars(message: Any) -> int:
    """The characters a message carries, as every limit counts them: its text, and all else it holds (tool calls
    and their arguments, extra fields), as JSON. A LangChain message, a message as a client sends it (a dict), or
    a bare string."""
    if isinstance(message, str):
        return len(message)
    if isinstance(message, dict):
        content = message.get("content", "")
        rest = {key: value for key, value in message.items() if key not in _NOT_COUNTED}
    else:
        content = getattr(message, "content", "")
        rest = {
            "tool_calls": getattr(message, "tool_calls", None),
            "invalid_tool_calls": getattr(message, "invalid_tool_calls", None),
            "additional_kwargs": getattr(message, "additional_kwargs", None),
        }
    text = content if isinstance(content, str) else json.dumps(content, default=str)
    extra = {key: value for key, value in rest.items() if value}
    return len(text) + (len(json.dumps(extra, default=str)) if extra else 0)
