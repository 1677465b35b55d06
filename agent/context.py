"""Per-assistant configuration of the chatbot (what LangGraph Studio renders)."""

from __future__ import annotations

import os
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent import prompts

MemoryType = Literal["semantic", "profile", "collection"]
WriteMode = Literal["background", "hot_path"]
MEMORY_TYPES: tuple[str, ...] = ("semantic", "profile", "collection")

LOCAL_MODEL = "local:smollm2"
OPENAI_MODEL = "openai:gpt-4o-mini"


def default_model() -> str:
    """OpenAI when this deployment has a key, else the embedded offline model."""
    return OPENAI_MODEL if os.environ.get("OPENAI_API_KEY") else LOCAL_MODEL


# One alphabet for user ids everywhere (tokens, the graphs, the store namespaces, the memory page): ASCII
# letters and digits, then also '_' and '-', 1 to 64 characters. It leaves out what the Store treats
# specially ('.' joins namespace labels, '*' is a wildcard) and anything invisible or markup-like.
USER_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
USER_ID_RULE = "1-64 characters: ASCII letters, digits, '_' and '-', starting with a letter or digit"


def check_user_id(user_id: str) -> str:
    """Return ``user_id`` if it is in the safe alphabet (USER_ID_RULE), else raise ValueError."""
    if not isinstance(user_id, str) or not USER_ID_PATTERN.fullmatch(user_id):
        shown = repr(user_id[:40]) if isinstance(user_id, str) else type(user_id).__name__
        raise ValueError(f"user_id must be {USER_ID_RULE} (got {shown})")
    return user_id


class Context(BaseModel):
    """Configuration of one chatbot assistant; every field can be set per assistant or per run."""

    model_config = ConfigDict(extra="ignore")

    user_id: str = Field(
        default="default-user",
        description=(
            "Whose long-term memory to read and write. Memories live in the Store under "
            f"('memory', user_id, memory_type). {USER_ID_RULE}. With auth on, the authenticated user, "
            "whatever is sent here."
        ),
    )
    memory_type: MemoryType = Field(
        default="semantic",
        description=(
            "Kind of long-term memory: 'semantic' (one free-text document of facts), "
            "'profile' (one structured UserProfile document), or 'collection' (many small Memory items)."
        ),
    )
    model: str = Field(
        default=default_model(),
        description=(
            "Chat model as 'provider:model': 'openai:gpt-4o-mini' (the default when OPENAI_API_KEY is "
            "set; honours OPENAI_BASE_URL, so any OpenAI-compatible server can serve it) or "
            "'local:smollm2' (embedded and offline; the default without a key)."
        ),
    )
    write_mode: WriteMode = Field(
        default="background",
        description=(
            "'background': the reply returns after one model call and memory is written afterwards by a "
            "run of the memory_writer graph, queued per user and memory type. 'hot_path': memory is "
            "written inside the chat run, before it ends (a failed write fails the run). Either way one "
            "user's writes of one memory type take turns."
        ),
    )
    memory_delay_seconds: float = Field(
        default=2.0,
        ge=0,
        le=3600,
        description=(
            "Background mode: how long a memory write waits before it starts, so that a burst of "
            "messages costs one extraction. A new thread sees the memory once the write is done."
        ),
    )
    memory_top_k: int = Field(
        default=10,
        ge=1,
        le=100,
        description=(
            "Collection memory: how many of the user's memories, the most relevant to what they just said, "
            "the extractor sees when writing. Answering shows as many of the most relevant as fit in "
            "memory_char_budget."
        ),
    )
    memory_char_budget: int = Field(
        default=4000,
        ge=100,
        le=100_000,
        description=(
            "Most characters of memory put into the system prompt, for every memory type; a collection "
            "fills it with its memories most relevant to the last messages."
        ),
    )
    system_prompt: str = Field(
        default=prompts.SYSTEM_PROMPT,
        description=(
            "System prompt of the chatbot. '{memory}' is replaced by what the bot remembers "
            "about the user, '{time}' by the current UTC time."
        ),
    )

    @field_validator("user_id")
    @classmethod
    def _valid_user_id(cls, value: str) -> str:
        return check_user_id(value)

    @field_validator("model")
    @classmethod
    def _valid_model(cls, value: str) -> str:
        provider, sep, name = value.partition(":")
        if not sep or not provider or not name:
            raise ValueError(f"model must look like 'provider:model' (got {value!r})")
        return value
