"""Everything kept about one user, as one file: downloaded by the user, imported by a deployment for that user.

The file is JSON: ``{"format", "user", "exported_at", "memories", "histories", "episodes", "forgotten_episodes",
"review", "health"}`` (``forgotten_episodes``: the keys and message ids of exchanges the user deleted, no words;
``review``: the facts held for the user's review, apart from the memories, never as facts), where ``memories``
and ``histories`` hold every kind (the memory types and the instructions) as lists of ``{"key", "value"}``. The
user's words behind each fact are where the histories' quotes point: in ``episodes``. Files exported before
facts were quoted have no quotes and no ``review``, and import as they are.
Everything goes through the store API as the caller, so with auth on an export holds only the
caller's data and an import writes only into the caller's own namespaces (whatever user the file names).
An import checks each memory against its kind's schema, and each episode's shape, before writing anything.
"""

from __future__ import annotations

from datetime import UTC, datetime

from langgraph_sdk.client import LangGraphClient

from agent.memory import health
from agent.memory.kinds import STORED_KINDS
from agent.memory.manage import admin
from agent.memory.records import episodes
from agent.memory.records.history import versions_of
from agent.memory.write import review
from agent.stores.layout import space
from agent.users import check_user_id

FORMAT = "memory-chatbot-export/1"


async def export_user(client: LangGraphClient, user_id: str) -> dict:
    """Every memory, every memory's history, every episode and the health counters of ``user_id``."""
    check_user_id(user_id)
    histories = {
        kind: [
            {"key": item["key"], "value": item["value"]}
            for item in await admin.stored_items_under(client, list(space(user_id).history(kind)))
        ]
        for kind in STORED_KINDS
    }
    counts = await client.store.get_item(list(health.namespace(user_id)), health.KEY)
    return {
        "format": FORMAT,
        "user": user_id,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "memories": {
            kind: [{"key": m["key"], "value": m["value"]} for m in memories]
            for kind, memories in (await admin.list_memories(client, user_id)).items()
        },
        "histories": histories,
        "episodes": [
            {"key": item["key"], "value": item["value"]}
            for item in await admin.stored_items_under(client, list(episodes.namespace(user_id)))
        ],
        "forgotten_episodes": [
            {"key": item["key"], "value": item["value"]}
            for item in await admin.stored_items_under(client, list(episodes.forgotten_namespace(user_id)))
        ],
        "review": [
            {"key": item["key"], "value": item["value"]}
            for item in await admin.stored_items_under(client, list(review.namespace(user_id)))
        ],
        "health": health.counts_of(counts["value"] if counts else None),
    }


async def import_user(client: LangGraphClient, user_id: str, data: object) -> dict[str, int]:
    """Write an export's memories, histories and episodes into ``user_id``'s namespaces; counts of each."""
    memories, histories, said, forgotten, held = _checked(data)
    for kind, items in memories.items():
        for item in items:
            await admin.import_memory(client, user_id, kind, item["key"], item["value"])
    for kind, items in histories.items():
        for item in items:
            await admin.put_item(client, list(space(user_id).history(kind)), item["key"], item["value"], index=False)
    for item in said:
        await admin.put_item(client, list(episodes.namespace(user_id)), item["key"], item["value"])
    for item in forgotten:
        await admin.put_item(
            client, list(episodes.forgotten_namespace(user_id)), item["key"], item["value"], index=False
        )
    for item in held:
        await admin.put_item(client, list(review.namespace(user_id)), item["key"], item["value"], index=False)
    return {
        "memories": sum(map(len, memories.values())),
        "histories": sum(map(len, histories.values())),
        "episodes": len(said),
        "to_review": len(held),
    }


def _checked(
    data: object,
) -> tuple[dict[str, list[dict]], dict[str, list[dict]], list[dict], list[dict], list[dict]]:
    """The parts of an export, each checked; BadMemoryRequest naming what is wrong, before anything is written."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise admin.BadMemoryRequest(f"not an export of this chatbot (its format must be {FORMAT!r})")
    memories = _keyed(data.get("memories"), "memories")
    histories = _keyed(data.get("histories"), "histories")
    for kind, items in memories.items():
        for item in items:
            item["value"] = {**item["value"], **admin.checked_value(kind, item["value"])}  # recorded_at kept
    for items in histories.values():
        for item in items:
            if not versions_of(item["value"]):
                raise admin.BadMemoryRequest(f"history {item['key']!r} holds no version")
    said = data.get("episodes") or []
    if not isinstance(said, list) or not all(_is_episode(item) for item in said):
        raise admin.BadMemoryRequest("episodes must be a list of {key, value: {content, context, ...}}")
    forgotten = data.get("forgotten_episodes") or []  # absent from exports made before it was kept
    if not isinstance(forgotten, list) or not all(_is_forgotten(item) for item in forgotten):
        raise admin.BadMemoryRequest("forgotten_episodes must be a list of {key, value: {forgotten_at, message_id}}")
    held = data.get("review") or []  # absent from exports made before facts were held for review
    if not isinstance(held, list) or not all(_is_held(item) for item in held):
        raise admin.BadMemoryRequest("review must be a list of {key, value: {memory_type, fact, ...}}")
    return memories, histories, said, forgotten, held


def _keyed(part: object, name: str) -> dict[str, list[dict]]:
    if not isinstance(part, dict) or not set(part) <= set(STORED_KINDS):
        raise admin.BadMemoryRequest(f"{name} must map kinds ({', '.join(STORED_KINDS)}) to lists")
    for kind, items in part.items():
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and isinstance(i.get("key"), str) and isinstance(i.get("value"), dict) for i in items
        ):
            raise admin.BadMemoryRequest(f"{name}.{kind} must be a list of {{key, value}}")
    return part


def _is_episode(item: object) -> bool:
    if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not isinstance(item.get("value"), dict):
        return False
    value = item["value"]
    return isinstance(value.get("content"), str) and isinstance(value.get("context"), str | None)


def _is_forgotten(item: object) -> bool:
    if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not isinstance(item.get("value"), dict):
        return False
    return set(item["value"]) <= {"forgotten_at", "message_id"} and all(
        isinstance(v, str | None) for v in item["value"].values()
    )


def _is_held(item: object) -> bool:
    if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not isinstance(item.get("value"), dict):
        return False
    value = item["value"]
    return value.get("memory_type") in STORED_KINDS and isinstance(value.get("fact"), str)
