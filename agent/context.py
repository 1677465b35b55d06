"""Per-assistant configuration of the chatbot (what LangGraph Studio renders), and a run's view of it."""

from __future__ import annotations

import os
from typing import Any, Literal

from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agent import limits, prompts
from agent.memory.kinds import MEMORY_TYPES, described
from agent.users import USER_ID_RULE, check_user_id

WriteMode = Literal["background", "hot_path"]

MAX_MODEL_CHARS = 200
LOCAL_MODEL = "local:smollm2"
OPENAI_MODEL = "openai:gpt-4o-mini"


def default_model() -> str:
    """OpenAI when this deployment has a key, else the embedded offline model."""
    return OPENAI_MODEL if os.environ.get("OPENAI_API_KEY") else LOCAL_MODEL


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
    memory_type: str = Field(
        default=MEMORY_TYPES[0],
        description=f"Kind of long-term memory: {described()}.",
        json_schema_extra={"enum": list(MEMORY_TYPES)},
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
    memory_use: Literal["read_write", "read_only", "off"] = Field(
        default="read_write",
        description=(
            "What this chat does with long-term memory: 'read_write' (the default), 'read_only' (answers use it, "
            "the chat changes none of it) or 'off' (a temporary chat: reads none, writes none, and nothing said in "
            "it is ever written later). A thread given 'memory_use' in its input keeps the stricter of the two."
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
    instructions_char_budget: int = Field(
        default=1000,
        ge=0,
        le=8000,
        description=(
            "Most characters of the user's own instructions (how they want the bot to answer: 'keep answers "
            "short') put into the system prompt, newest first; apart from memory_char_budget. 0 leaves them out."
        ),
    )
    system_prompt: str = Field(
        default=prompts.SYSTEM_PROMPT,
        description=(
            "System prompt of the chatbot. The first '{memory}' is replaced by what the bot remembers "
            "about the user, the first '{instructions}' by the user's instructions for the bot (added at the end "
            "when missing), the first '{time}' by the current UTC time; further ones stay as they are."
        ),
    )

    @field_validator("user_id")
    @classmethod
    def _valid_user_id(cls, value: str) -> str:
        return check_user_id(value)

    @field_validator("memory_type")
    @classmethod
    def _known_memory_type(cls, value: str) -> str:
        if value not in MEMORY_TYPES:
            raise ValueError(f"unknown memory_type {value!r}; expected one of: {', '.join(MEMORY_TYPES)}")
        return value

    @field_validator("system_prompt")
    @classmethod
    def _bounded_prompt(cls, value: str) -> str:
        if len(value) > (most := limits.SETTING_CHARS.value()):
            raise ValueError(f"system_prompt is at most {most:,} characters ({limits.SETTING_CHARS.env})")
        return value

    @model_validator(mode="after")
    def _prompt_within_its_cap(self) -> Context:
        """The answering prompt's parts fit in the prompt cap together, whatever else the thread holds."""
        parts = len(self.system_prompt) + self.memory_char_budget + self.instructions_char_budget
        if parts > (most := limits.PROMPT_CHARS.value()):
            raise ValueError(
                f"system_prompt, memory_char_budget and instructions_char_budget come to {parts:,} characters; "
                f"the answering prompt is at most {most:,} ({limits.PROMPT_CHARS.env})"
            )
        return self

    @field_validator("model")
    @classmethod
    def _valid_model(cls, value: str) -> str:
        if len(value) > MAX_MODEL_CHARS:
            raise ValueError(f"model is at most {MAX_MODEL_CHARS} characters")
        provider, sep, name = value.partition(":")
        if not sep or not provider or not name:
            raise ValueError(f"model must look like 'provider:model' (got {value!r})")
        return value


def context_of(runtime: Runtime[Context]) -> Context:
    """The run's configuration; with auth on, ``user_id`` is the authenticated caller, whatever was sent."""
    ctx = runtime.context if runtime.context is not None else Context()
    configurable = get_config().get("configurable", {})
    identity = configurable.get("langgraph_auth_user_id")
    if identity and _is_authenticated(configurable.get("langgraph_auth_user")):
        ctx = ctx.model_copy(update={"user_id": check_user_id(identity)})
    return ctx


def store_of(runtime: Runtime[Context]) -> BaseStore:
    """The run's Store: `langgraph dev` and the platform provide one (tests compile the graph with one)."""
    if runtime.store is None:
        raise RuntimeError("this graph needs a Store: serve it with `langgraph dev` or compile it with store=...")
    return runtime.store


def _is_authenticated(user: Any) -> bool:
    if user is None:
        return False
    if isinstance(user, dict):
        return bool(user.get("is_authenticated", True))
    return bool(getattr(user, "is_authenticated", True))
