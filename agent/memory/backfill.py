"""Add a user's earlier chats to their episodes: the exchanges said before episodes existed, or in a thread
whose memory writes never ran.

Reads the user's chat threads through the SDK (with auth on, the server lists only the caller's own; on a
server without auth, chat threads carry no owner, so the caller names them) and keeps each exchange not
yet kept, dated when its message first appears in the thread's history. The keys are those a live write
uses (`agent.memory.episodes.episode_key`), so running it twice, or beside live writes, adds nothing twice.
An exchange the user deleted on the page or the command line is never brought back, and one older than the
retention (``MEMORY_CHATBOT_EPISODE_RETENTION_DAYS``) is not added; the others expire when they would have.
Facts are not re-extracted: the memory writes of those chats already ran, or can be re-run by chatting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from langchain_core.messages import BaseMessage, convert_to_messages
from langgraph_sdk.client import LangGraphClient

from agent.memory import episodes
from agent.memory.admin import PAGE, stored_items_under
from agent.memory.namespaces import MAX_TTL_MINUTES, MIN_TTL_MINUTES
from agent.memory.timeline import RECORDED_AT
from agent.memory.writer_threads import OWNER, WRITER_OF
from agent.users import check_user_id

MAX_CHECKPOINTS = 2_000
"""How much of one thread's history is read to date its messages; older messages take the oldest date read."""


@dataclass
class Backfilled:
    threads: int = 0
    added: int = 0
    already_kept: int = 0
    forgotten: int = 0
    expired: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


async def chat_threads(client: LangGraphClient, user_id: str) -> list[str]:
    """The user's chat threads (not their memory-writer or write-lease threads), oldest first: those the server
    stamped as theirs (auth on), and those the project's client labelled with the user (auth off; with auth
    on the server lists no one else's)."""
    found: dict[str, dict] = {}
    for metadata in ({OWNER: user_id}, {"user": user_id}):
        offset = 0
        while page := await client.threads.search(metadata=metadata, limit=PAGE, offset=offset):
            found.update((t["thread_id"], dict(t)) for t in page)
            offset += len(page)
            if len(page) < PAGE:
                break
    chats = [t for t in found.values() if not {WRITER_OF, "purpose"} & set(t.get("metadata") or {})]
    return [t["thread_id"] for t in sorted(chats, key=lambda t: str(t.get("created_at")))]


async def _dated_messages(
    client: LangGraphClient, thread_id: str
) -> tuple[list[BaseMessage], Callable[[BaseMessage], datetime]]:
    """The thread's messages now, and when each was said: when it first appears in the thread's history."""
    states: list[dict] = []
    before = None
    while len(states) < MAX_CHECKPOINTS:
        page = await client.threads.get_history(thread_id, limit=PAGE, before=before)
        states += [dict(state) for state in page]
        if len(page) < PAGE:
            break
        before = page[-1]["checkpoint"]
    first_seen: dict[str, datetime] = {}
    for state in states:  # newest first: the last one seen is the earliest
        when = datetime.fromisoformat(str(state["created_at"]))
        for message in _messages_of(state):
            if isinstance(message, dict) and message.get("id"):
                first_seen[message["id"]] = when
    fallback = min(first_seen.values(), default=datetime.now(UTC))
    latest = _messages_of(states[0]) if states else []
    return convert_to_messages(latest), lambda message: first_seen.get(message.id or "", fallback)


def _messages_of(state: dict) -> list:
    values = state.get("values")
    return (values.get("messages") if isinstance(values, dict) else None) or []


async def backfill(
    client: LangGraphClient, user_id: str, thread_ids: list[str] | None = None, retention_days: int | None = None
) -> Backfilled:
    """Keep as episodes of ``user_id`` the exchanges of their chat threads (``thread_ids``, default: every
    chat thread the server lists as theirs) not kept yet; what was done."""
    namespace = list(episodes.namespace(check_user_id(user_id)))
    forgotten = {item["key"] for item in await stored_items_under(client, list(episodes.forgotten_namespace(user_id)))}
    kept = {item["key"] for item in await stored_items_under(client, namespace) if item["namespace"] == namespace}
    oldest = datetime.now(UTC) - timedelta(days=retention_days) if retention_days else None
    done = Backfilled()
    for thread_id in thread_ids if thread_ids is not None else await chat_threads(client, user_id):
        messages, said_at_of = await _dated_messages(client, thread_id)
        done.threads += 1
        for key, value in episodes.episode_values(messages, thread_id, said_at_of):
            said_at = datetime.fromisoformat(value[RECORDED_AT])
            if key in kept:
                done.already_kept += 1
            elif key in forgotten:
                done.forgotten += 1
            elif oldest is not None and said_at < oldest:
                done.expired += 1
            else:
                ttl = None  # what is left of its retention, within what the store API takes
                if oldest is not None:
                    left = int((said_at - oldest).total_seconds() // 60)
                    ttl = min(max(left, MIN_TTL_MINUTES), MAX_TTL_MINUTES)
                await client.store.put_item(namespace, key, value, ttl=ttl)
                kept.add(key)
                done.added += 1
    return done
