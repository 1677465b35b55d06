"""What a caller may send: a configuration the graphs accept, sizes within the deployment's limits, and store
requests the store can carry out.

Each check raises the HTTP error the caller sees (4xx, naming the limit and its environment variable) before
anything is created or run. The limits themselves live in `agent.limits`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from langgraph_sdk import Auth
from pydantic import ValidationError

from agent import limits
from agent.context import LOCAL_MODEL, OPENAI_MODEL, Context, default_model
from agent.memory.records.namespaces import MAX_TTL_MINUTES, MAX_VALUE_CHARS, MIN_TTL_MINUTES, valid_unicode

MODELS_ENV = "MEMORY_CHATBOT_MODELS"
MAX_KEY_CHARS = 256
MAX_QUERY_CHARS = 4_000
MAX_LABELS = 8
MAX_LABEL_CHARS = 64
MAX_FILTER_FIELDS = 16
SETTINGS = frozenset(Context.model_fields)


def refuse(status: int, detail: str, headers: Mapping[str, str] | None = None) -> Auth.exceptions.HTTPException:
    return Auth.exceptions.HTTPException(status_code=status, detail=detail, headers=headers)


def _over(limit: limits.Limit, size: int, what: str) -> Auth.exceptions.HTTPException:
    most = limit.value()
    return refuse(413, f"{what} is {size:,} {limit.what.split(' ', 1)[0]}; the limit is {most:,} ({limit.env})")


def check_configuration(context: object, configurable: object, *, configurable_is_the_callers: bool) -> None:
    """A configuration the chatbot accepts, from ``context`` and ``configurable``, else HTTP 422.

    Every key the caller sent must be a setting of `Context`: an unknown key (a typo, or a name the platform
    reserves such as ``graph_id`` or ``thread_id``) is refused rather than silently dropped, which on
    langgraph-api would drop the platform's own value of that name and leave the run stuck. A run's
    ``configurable`` also holds what the platform itself puts there, so for runs only ``context`` (which
    holds the caller's own keys, sent either way) is read for unknown keys. The model must be one this
    deployment allows: it runs on the server's API keys.
    """
    sent = _object("context", context)
    sent_configurable = _object("configurable", configurable)
    for name, part in (("context", sent), ("configurable", sent_configurable if configurable_is_the_callers else {})):
        if unknown := sorted(str(key) for key in part if key not in SETTINGS):
            raise refuse(
                422,
                f"invalid configuration: unknown setting(s) {', '.join(map(repr, unknown[:5]))} in {name}; "
                f"the settings are {', '.join(sorted(SETTINGS))}",
            )
    settings = {k: v for k, v in sent_configurable.items() if k in SETTINGS} | sent
    try:
        validated = Context.model_validate(settings)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise refuse(422, f"invalid configuration: {problems}") from None
    if "model" in settings and validated.model not in allowed_models():
        raise refuse(
            422,
            f"invalid configuration: model {validated.model!r} is not allowed here; "
            f"allowed: {', '.join(sorted(allowed_models()))} ({MODELS_ENV} adds more)",
        )


def _object(name: str, part: object) -> dict:
    if part is None:
        return {}
    if not isinstance(part, dict):
        raise refuse(422, f"invalid configuration: {name} must be an object")
    return part


def allowed_models() -> set[str]:
    """The models clients may choose: the defaults, and those the operator lists in MEMORY_CHATBOT_MODELS."""
    listed = {m.strip() for m in os.environ.get(MODELS_ENV, "").split(",") if m.strip()}
    return {OPENAI_MODEL, LOCAL_MODEL, default_model(), *listed}


def check_metadata(metadata: object) -> None:
    """Metadata within ``limits.METADATA_CHARS`` characters of JSON, else HTTP 413."""
    if metadata is None:
        return
    size = len(json.dumps(metadata, default=str))
    if size > limits.METADATA_CHARS.value():
        raise _over(limits.METADATA_CHARS, size, "the metadata")


def check_names(value: Mapping[str, Any]) -> None:
    """An assistant's name and description within ``limits.NAME_CHARS`` characters, else HTTP 413."""
    for field in ("name", "description"):
        text = value.get(field)
        if isinstance(text, str) and len(text) > limits.NAME_CHARS.value():
            raise _over(limits.NAME_CHARS, len(text), f"the assistant's {field}")


def messages_in(update: object) -> list | None:
    """The messages an update adds to a thread, however it is shaped: {"messages": ...}, a list of such updates,
    or (a command's update) a list of [key, value] pairs; None when it adds none."""
    found: list = []
    parts = update if isinstance(update, list) else [update]
    for part in parts:
        if isinstance(part, dict) and "messages" in part:
            sent = part["messages"]
        elif isinstance(part, (list, tuple)) and len(part) == 2 and part[0] == "messages":
            sent = part[1]
        else:
            continue
        found += sent if isinstance(sent, list) else [sent]
    return found or None


def check_messages(sent: list, what: str) -> None:
    """Messages within the per-message, per-run character and count limits, else HTTP 413."""
    if len(sent) > limits.INPUT_MESSAGES.value():
        raise _over(limits.INPUT_MESSAGES, len(sent), what)
    sizes = [limits.message_chars(message) for message in sent]
    if max(sizes, default=0) > limits.MESSAGE_CHARS.value():
        raise _over(limits.MESSAGE_CHARS, max(sizes), "a message")
    if sum(sizes) > limits.INPUT_CHARS.value():
        raise _over(limits.INPUT_CHARS, sum(sizes), f"{what}'s messages")
    if not valid_unicode(sent):
        raise refuse(422, f"{what}'s messages must be valid Unicode (one holds a lone surrogate)")


def check_input(kwargs: Mapping[str, Any]) -> None:
    """A run's input messages (and a command's update, in any of its shapes) within the per-message, per-run
    character and count limits, tool calls and their arguments counted, else HTTP 413."""
    command = kwargs.get("command")
    for part in (kwargs.get("input"), command.get("update") if isinstance(command, dict) else None):
        if (sent := messages_in(part)) is not None:
            check_messages(sent, "the run's input")


# -- the store API's requests ---------------------------------------------------------------


def check_store_request(value: dict) -> None:
    """Bounded, well-formed requests only.

    The store runs the operations that arrive together as one batch, and one operation that fails
    (a NUL Postgres refuses, a comparison on text, a huge embedding job) fails or stalls every
    operation in it, other users' included: such requests are refused here, before the store.
    """
    key = value.get("key")
    if key is not None and (
        not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_CHARS or not key.isprintable() or not valid_unicode(key)
    ):
        raise refuse(422, f"keys are 1 to {MAX_KEY_CHARS} printable characters")
    for part in ("namespace", "suffix"):
        labels = value.get(part) or ()
        if len(labels) > MAX_LABELS or not all(_is_label(label) for label in labels):
            raise refuse(422, f"a {part} is at most {MAX_LABELS} labels of 1 to {MAX_LABEL_CHARS} printable characters")
    if value.get("value") is not None:
        if len(json.dumps(value["value"], default=str)) > MAX_VALUE_CHARS:
            raise refuse(413, f"a stored value is at most {MAX_VALUE_CHARS:,} characters of JSON")
        if not _storable(value["value"]):
            raise refuse(422, "a stored value holds no NUL character, no lone surrogate and no integer beyond 64 bits")
    if value.get("index") not in (None, False):
        raise refuse(422, "index can only be false (not embedded) or left out (the server's fields)")
    wanted = value.get("filter") or {}
    if len(wanted) > MAX_FILTER_FIELDS or not all(
        _is_label(field) and _is_scalar(match) for field, match in wanted.items()
    ):
        raise refuse(422, f"a search filter matches at most {MAX_FILTER_FIELDS} fields to plain values (no operators)")
    ttl = value.get("ttl")
    if ttl is not None and (
        isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not MIN_TTL_MINUTES <= ttl <= MAX_TTL_MINUTES
    ):
        raise refuse(422, f"ttl is a number of minutes from {MIN_TTL_MINUTES} to {MAX_TTL_MINUTES:,}, or left out")
    query = value.get("query")
    if query is not None and (not isinstance(query, str) or len(query) > MAX_QUERY_CHARS or not valid_unicode(query)):
        raise refuse(422, f"a search query is at most {MAX_QUERY_CHARS:,} characters")
    for name, least, most in (("limit", 0, 1000), ("offset", 0, 1_000_000), ("max_depth", 1, 16)):
        number = value.get(name)
        if number is not None and (
            not isinstance(number, int) or isinstance(number, bool) or not least <= number <= most
        ):
            raise refuse(422, f"{name} must be an integer from {least} to {most:,}")


def _is_label(label) -> bool:
    return isinstance(label, str) and 0 < len(label) <= MAX_LABEL_CHARS and label.isprintable() and valid_unicode(label)


def _storable(data) -> bool:
    """No NUL (Postgres refuses it in text and JSON) and no integer Postgres cannot read back as 64 bits."""
    if isinstance(data, str):
        return "\x00" not in data and valid_unicode(data)
    if isinstance(data, bool) or data is None:
        return True
    if isinstance(data, (int, float)):  # the server parses 1e30 as a float; Postgres gives it back as an integer
        return -(2**63) <= data < 2**63
    if isinstance(data, dict):
        return all(_storable(k) and _storable(v) for k, v in data.items())
    if isinstance(data, list):
        return all(_storable(item) for item in data)
    return True


def _is_scalar(wanted) -> bool:
    return wanted is None or (isinstance(wanted, (str, int, float, bool)) and _storable(wanted))
