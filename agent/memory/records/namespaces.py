"""Where long-term memories live in the Store, and how to read them all."""

from __future__ import annotations

from langgraph.store.base import BaseStore, SearchItem

from agent.stores.layout import ROOT, space

__all__ = ["ROOT", "memory_namespace", "list_all", "without_nul", "valid_unicode"]
PAGE_SIZE = 100
MAX_VALUE_CHARS = 64 * 1024  # one stored value, as JSON: what a client may put (agent/server/auth.py)
MIN_TTL_MINUTES, MAX_TTL_MINUTES = 1, 525_600  # the TTL a client may give an item: a minute to a year


def memory_namespace(user_id: str, memory_type: str) -> tuple[str, ...]:
    """The Store namespace of one user's memories of one type: ('memory', user_id, memory_type)."""
    return space(user_id).memories(memory_type)


async def list_all(store: BaseStore, namespace: tuple[str, ...]) -> list[SearchItem]:
    """Every item directly in ``namespace``, paging past the Store's default of 10 results."""
    items: list[SearchItem] = []
    offset = 0
    while True:
        page = await store.asearch(namespace, limit=PAGE_SIZE, offset=offset)
        items.extend(item for item in page if tuple(item.namespace) == namespace)
        offset += len(page)
        if len(page) < PAGE_SIZE:
            return items


def without_nul(data):
    """``data`` with every NUL character taken out of its strings: Postgres refuses it in JSON, and one
    refused value fails every operation batched with it."""
    if isinstance(data, str):
        return data.replace("\x00", "")
    if isinstance(data, dict):
        return {without_nul(k): without_nul(v) for k, v in data.items()}
    if isinstance(data, list):
        return [without_nul(item) for item in data]
    return data


def valid_unicode(data) -> bool:
    """Whether every string in ``data`` (keys too) encodes as UTF-8: no lone surrogate, which JSON can carry
    ("\\ud800") and no store can keep."""
    if isinstance(data, str):
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(data, dict):
        return all(valid_unicode(k) and valid_unicode(v) for k, v in data.items())
    if isinstance(data, list):
        return all(valid_unicode(item) for item in data)
    return True
