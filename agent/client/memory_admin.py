"""What a user can do with what the bot remembers: list, edit and delete memories, or forget everything.

Everything goes through the SDK, so with auth on it can only ever touch the caller's own data. Used
by `python -m agent.client memories ...` and by the memory page (`agent/server/webapp.py`).
"""

from __future__ import annotations

import re

from langgraph_sdk.client import LangGraphClient
from pydantic import BaseModel, ValidationError

from agent.context import MEMORY_TYPES, check_user_id
from agent.memory.kinds import MEMORY_KINDS
from agent.memory.store import ROOT
from agent.schemas import Memory, UserProfile
from agent.server.ownership import OWNER, WRITER_OF

PAGE = 100
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class SemanticDocument(BaseModel):
    content: str


SCHEMAS: dict[str, type[BaseModel]] = {"semantic": SemanticDocument, "profile": UserProfile, "collection": Memory}


class BadMemoryRequest(ValueError):
    """The request names no valid memory or carries an invalid value; nothing was changed."""


def _namespace(user_id: str, memory_type: str) -> list[str]:
    if memory_type not in MEMORY_TYPES:
        raise BadMemoryRequest(f"unknown memory_type {memory_type!r}; expected one of {', '.join(MEMORY_TYPES)}")
    try:
        return [ROOT, check_user_id(user_id), memory_type]
    except ValueError as error:
        raise BadMemoryRequest(str(error)) from None


def _key(key: str) -> str:
    if not isinstance(key, str) or not _KEY.match(key):
        raise BadMemoryRequest("a memory key is 1-128 letters, digits, '-' or '_'")
    return key


async def stored_items(client: LangGraphClient, user_id: str, memory_type: str) -> list[dict]:
    """Every stored item of the user's ``memory_type``, as the store API returns them (paged)."""
    namespace, items = _namespace(user_id, memory_type), []
    while True:
        page = (await client.store.search_items(namespace, limit=PAGE, offset=len(items)))["items"]
        items += page
        if len(page) < PAGE:
            return items


async def list_memories(client: LangGraphClient, user_id: str) -> dict[str, list[dict]]:
    """Every stored memory of the user, by memory type: [{"key", "value", "updated_at"}]."""
    return {
        memory_type: [
            {"key": i["key"], "value": i["value"], "updated_at": i.get("updated_at")}
            for i in await stored_items(client, user_id, memory_type)
        ]
        for memory_type in MEMORY_TYPES
    }


async def update_memory(client: LangGraphClient, user_id: str, memory_type: str, key: str, value: dict) -> dict:
    """Replace one memory's value after checking it against its memory type's schema."""
    namespace, key = _namespace(user_id, memory_type), _key(key)
    fixed = MEMORY_KINDS[memory_type].key
    if fixed is not None and key != fixed:
        raise BadMemoryRequest(f"{memory_type} memory is one document under the key {fixed!r}")
    if await client.store.get_item(namespace, key) is None:
        raise BadMemoryRequest(f"no {memory_type} memory with key {key!r}")
    try:
        checked = SCHEMAS[memory_type].model_validate(value).model_dump(mode="json")
    except ValidationError as error:
        raise BadMemoryRequest(f"invalid {memory_type} memory: {error.errors()[0]['msg']}") from None
    await client.store.put_item(namespace, key, checked, index=False if fixed is not None else None)
    return checked


async def delete_memory(client: LangGraphClient, user_id: str, memory_type: str, key: str) -> None:
    """Delete one memory."""
    namespace, key = _namespace(user_id, memory_type), _key(key)
    if await client.store.get_item(namespace, key) is None:
        raise BadMemoryRequest(f"no {memory_type} memory with key {key!r}")
    await client.store.delete_item(namespace, key)


async def _stop_and_delete_thread(client: LangGraphClient, thread_id: str) -> None:
    for run in await client.runs.list(thread_id, limit=PAGE):
        if run["status"] in ("pending", "running"):
            await client.runs.cancel(thread_id, run["run_id"], wait=run["status"] == "running")
    await client.threads.delete(thread_id)


async def forget_user(client: LangGraphClient, user_id: str) -> dict[str, int]:
    """Delete every memory and thread of the user; pending memory writes are cancelled first."""
    check_user_id(user_id)
    counts = {"threads": 0, "memories": 0}
    # Memory-writer threads first, so that no queued write puts anything back. The server stamps both
    # keys with auth on; without auth, only the writer threads carry one.
    for metadata in ({WRITER_OF: user_id}, {OWNER: user_id}):
        while threads := await client.threads.search(metadata=metadata, limit=PAGE):
            for thread in threads:
                await _stop_and_delete_thread(client, thread["thread_id"])
                counts["threads"] += 1
    for memory_type, items in (await list_memories(client, user_id)).items():
        for item in items:
            await client.store.delete_item(_namespace(user_id, memory_type), item["key"])
            counts["memories"] += 1
    return counts
