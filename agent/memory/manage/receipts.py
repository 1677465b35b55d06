"""An answer's receipt, for a person: what the reply to one of the user's messages used, resolved to the memories,
instructions and past exchanges as they read now (`agent.turn_memory.receipt` wrote the ids)."""

from __future__ import annotations

from datetime import datetime

from langgraph_sdk.client import LangGraphClient

from agent.memory.kinds import STORED_KINDS
from agent.memory.manage.admin import BadMemoryRequest
from agent.memory.records import episodes
from agent.stores.layout import space

RECEIPT = "memory_used"  # agent.turn_memory.RECEIPT: the manage wing does not import the graph's layer


async def receipt_for(client: LangGraphClient, user_id: str, thread_id: str, message_id: str) -> dict:
    """What the bot's reply to ``message_id`` in the caller's thread ``thread_id`` used: {"memories": [{"kind",
    "key", "text", "changed", "gone"}], "instructions": [...], "episodes": [{"key", "said", "gone"}]}; each a
    memory's current words, whether it changed since, or is gone."""
    state = await client.threads.get_state(thread_id)  # the caller's own thread, or the server says 404
    values = state.get("values")
    messages = (values.get("messages") if isinstance(values, dict) else None) or []
    ids = [m.get("id") for m in messages if isinstance(m, dict)]
    if message_id not in ids:
        gone = BadMemoryRequest("that message is not in this conversation any more")
        gone.status = 404
        raise gone
    after = messages[ids.index(message_id) + 1 :]
    reply = next((m for m in after if m.get("type") == "ai"), None)
    used = (reply or {}).get("additional_kwargs", {}).get(RECEIPT)
    if not isinstance(used, dict):
        return {"memories": [], "instructions": [], "episodes": [], "recorded": False}
    return {
        "memories": await _items(client, user_id, str(used.get("memory_type")), used.get("memories")),
        "instructions": await _items(client, user_id, "instructions", used.get("instructions")),
        "episodes": [await _episode(client, user_id, str(key)) for key in used.get("episodes") or []][:50],
        "recorded": True,
    }


async def _items(client: LangGraphClient, user_id: str, kind_name: str, listed: object) -> list[dict]:
    kind = STORED_KINDS.get(kind_name)
    found = []
    for entry in (listed if isinstance(listed, list) else [])[:100]:
        key = str(entry.get("key")) if isinstance(entry, dict) else ""
        item = await client.store.get_item(list(space(user_id).memories(kind.name)), key) if kind and key else None
        text = kind.render_value(item["value"]) if kind and item else ""
        changed = item is not None and not _same_time(item.get("updated_at"), entry.get("version"))
        found.append({"kind": kind_name, "key": key, "text": text, "changed": changed, "gone": item is None})
    return found


async def _episode(client: LangGraphClient, user_id: str, key: str) -> dict:
    item = await client.store.get_item(list(episodes.namespace(user_id)), key)
    return {"key": key, "said": item["value"].get("content") if item else None, "gone": item is None}


def _same_time(a: object, b: object) -> bool:
    try:
        return datetime.fromisoformat(str(a)) == datetime.fromisoformat(str(b))
    except ValueError:
        return False
