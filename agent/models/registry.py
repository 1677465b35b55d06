"""Turn a 'provider:model' string into a LangChain chat model, once per process."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache

from langchain_core.language_models import BaseChatModel

ModelFactory = Callable[[str], BaseChatModel]
TIMEOUT_ENV = "MODEL_TIMEOUT_SECONDS"
RETRIES_ENV = "MODEL_MAX_RETRIES"

_PROVIDERS: dict[str, ModelFactory] = {}


@lru_cache(maxsize=32)
def load_chat_model(spec: str) -> BaseChatModel:
    """Return the chat model named by ``spec`` ('provider:model'); cached per process."""
    provider, sep, model = spec.partition(":")
    if not sep or not provider or not model:
        raise ValueError(f"model must look like 'provider:model' (got {spec!r})")
    factory = _PROVIDERS.get(provider)
    if factory is not None:
        return factory(model)
    from langchain.chat_models import init_chat_model

    return init_chat_model(model, model_provider=provider)


def register_provider(name: str, factory: ModelFactory) -> None:
    """Make '<name>:<model>' strings resolve through ``factory(<model>)``."""
    _PROVIDERS[name] = factory
    load_chat_model.cache_clear()


def _openai(model: str) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    # OPENAI_BASE_URL lets any OpenAI-compatible server stand in for OpenAI.
    return ChatOpenAI(
        model=model,
        base_url=os.environ.get("OPENAI_BASE_URL") or None,
        timeout=float(os.environ.get(TIMEOUT_ENV, "60")),
        max_retries=int(os.environ.get(RETRIES_ENV, "2")),
    )


register_provider("openai", _openai)


def _local(model: str) -> BaseChatModel:
    from agent.models.local import LocalChatModel

    return LocalChatModel(model_name=model)


register_provider("local", _local)
