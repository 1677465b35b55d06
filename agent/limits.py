"""The deployment's bounds on what one caller may send and spend, each settable in the environment.

Every limit has a documented default and an environment variable (``MEMORY_CHATBOT_<NAME>``) that a
deployment sets to change it; a value that is not a whole number from 1 up is refused when it is read,
with an error naming the variable. The server refuses what goes beyond a limit with a 4xx naming it
(`agent.server.auth`, `agent.server.route_guard`); the graphs bound what reaches the model whatever was
stored (`agent.chat_input`, `agent.prompt_window`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

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

ALL = (
    MESSAGE_CHARS,
    INPUT_CHARS,
    INPUT_MESSAGES,
    PROMPT_CHARS,
    SETTING_CHARS,
    METADATA_CHARS,
    NAME_CHARS,
    BODY_BYTES,
    ACTIVE_RUNS,
)
