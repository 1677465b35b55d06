"""Add a user's earlier chats to their episodes: the exchanges said before episodes existed, or in a thread
whose memory writes never ran.

Reads the user's chat threads through the SDK (with auth on, the server lists only the caller's own; on a
server without auth, chat threads carry no owner, so the caller names them) and keeps each exchange not
yet kept, dated when its message first appears in the thread's history. The keys are those a live write
uses (`agent.memory.records.episodes.episode_key`), so running it twice, or beside live writes, adds nothing twice.
An exchange the user deleted on the page or the command line is never brought back, and one older than the
retention (``MEMORY_CHATBOT_EPISODE_RETENTION_DAYS``, as the server sees it) is not added; the others expire
when they would have (within a year: the longest TTL the store API takes).
Facts are not re-extracted: the memory writes of those chats already ran, or can be re-run by chatting.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from langchain_core.messages import BaseMessage, convert_to_messages
from langgraph_sdk.client import LangGraphClient

from agent.memory.manage.admin import PAGE, BadMemoryRequest, put_item, stored_items_under
from agent.memory.queue.writer_threads import OWNER, WRITER_OF
from agent.memory.records import episodes
from agent.memory.records.namespaces import MAX_TTL_MINUTES, MIN_TTL_MINUTES
from agent.memory.records.timeline import RECORDED_AT
from agent.users import check_user_id

HISTORY_PAGE = 10  # states per history request: each holds the thread's messages (the server allows 10)
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


def _is_chat(thread: dict) -> bool:
    """Not a memory-writer or write-lease thread of the user's."""
    return not {WRITER_OF, "purpose"} & set(thread.get("metadata") or {})


async def chat_threads(client: LangGraphClient, user_id: str) -> list[dict]:
    """The user's chat threads, oldest first: those the server stamped as theirs (auth on), and those the
    project's client labelled with the user (auth off; with auth on the server lists no one else's)."""
    found: dict[str, dict] = {}
    for metadata in ({OWNER: user_id}, {"user": user_id}):
        offset = 0
        while page := await client.threads.search(metadata=metadata, limit=PAGE, offset=offset):
            found.update((t["thread_id"], dict(t)) for t in page)
            offset += len(page)
            if len(page) < PAGE:
                break
    return sorted(filter(_is_chat, found.values()), key=lambda t: str(t.get("created_at")))


async def _dated_messages(
    client: LangGraphClient, thread: dict
) -> tuple[list[BaseMessage], Callable[[BaseMessage], datetime]]:
    """The thread's messages now, and when each was said (by message id): when it first appears in the
    thread's history. Only ids and times are kept from each page of the history; a message older than the
    checkpoints read (``MAX_CHECKPOINTS``) is dated at the thread's creation, the earliest it can be."""
    latest: list | None = None
    first_seen: dict[str, datetime] = {}
    before: dict | None = None
    for _ in range(0, MAX_CHECKPOINTS, HISTORY_PAGE):
        page = await client.threads.get_history(
            thread["thread_id"],
            limit=HISTORY_PAGE,
            before=before,  # type: ignore[arg-type]  # the server reads a config here, not the SDK's Checkpoint
        )
        for state in page:  # newest first: the last time a message is seen is the earliest
            messages = _messages_of(dict(state))
            if latest is None:
                latest = messages
            when = datetime.fromisoformat(str(state["created_at"]))
            for message in messages:
                if isinstance(message, dict) and isinstance(message.get("id"), str):
                    first_seen[message["id"]] = when
        if len(page) < HISTORY_PAGE:
            fallback = min(first_seen.values(), default=datetime.now(UTC))
            break
        # The API reads ``before`` as a config: the checkpoint it returned fails there (KeyError, a 500).
        before = {"configurable": {"checkpoint_id": page[-1]["checkpoint"]["checkpoint_id"]}}
    else:  # the history goes further back than was read
        fallback = datetime.fromisoformat(str(thread["created_at"]))
    return convert_to_messages(latest or []), lambda message: first_seen.get(message.id or "", fallback)


def _messages_of(state: dict) -> list:
    values = state.get("values")
    return (values.get("messages") if isinstance(values, dict) else None) or []


async def chat_thread(client: LangGraphClient, thread_id: str) -> dict:
    """The caller's chat thread ``thread_id``: 404 when it is not theirs, BadMemoryRequest when not a chat."""
    thread = dict(await client.threads.get(thread_id))
    if not _is_chat(thread):
        raise BadMemoryRequest(f"thread {thread_id!r} is not a chat (it is one of the memory's own threads)")
    return thread


Progress = Callable[[Backfilled, int], Awaitable[None]]
"""Told, after each thread, what was done so far and how many threads there are."""


async def backfill(
    client: LangGraphClient,
    user_id: str,
    thread_ids: list[str] | None = None,
    retention_days: int | None = None,
    progress: Progress | None = None,
) -> Backfilled:
    """Keep as episodes of ``user_id`` the exchanges of their chat threads (``thread_ids``, default: every
    chat thread the server lists as theirs) not kept yet; what was done. An exchange is known by its key and
    by its message's id (a copied thread keeps its messages' ids); one still awaiting its reply is left to
    the live write. ``progress`` is told after each thread."""
    namespace = list(episodes.namespace(check_user_id(user_id)))
    forgotten = await stored_items_under(client, list(episodes.forgotten_namespace(user_id)))
    forgotten_ids = {i["key"] for i in forgotten} | {i["value"].get("message_id") for i in forgotten}
    stored = [i for i in await stored_items_under(client, namespace) if i["namespace"] == namespace]
    kept_ids = {i["key"] for i in stored} | {i["value"].get("message_id") for i in stored}
    oldest = datetime.now(UTC) - timedelta(days=retention_days) if retention_days else None
    done = Backfilled()
    threads = [await chat_thread(client, t) for t in thread_ids] if thread_ids else await chat_threads(client, user_id)
    for thread in threads:
        messages, said_at_of = await _dated_messages(client, thread)
        done.threads += 1
        said = episodes.episode_values(messages, thread["thread_id"], said_at_of)
        for key, value in said:
            said_at = datetime.fromisoformat(value[RECORDED_AT])
            if not value["context"] and (key, value) == said[-1]:
                continue  # the newest message, still awaiting its reply: the live write keeps it
            if {key, value["message_id"]} & kept_ids:
                done.already_kept += 1
            elif {key, value["message_id"]} & forgotten_ids:
                done.forgotten += 1
            elif oldest is not None and said_at < oldest:
                done.expired += 1
            elif await client.store.get_item(namespace, key) is not None:  # a live write landed meanwhile
                done.already_kept += 1
            else:
                ttl = None  # what is left of its retention, within what the store API takes (a year)
                if oldest is not None:
                    left = int((said_at - oldest).total_seconds() // 60)
                    ttl = min(max(left, MIN_TTL_MINUTES), MAX_TTL_MINUTES)
                await put_item(client, namespace, key, value, ttl=ttl)
                kept_ids |= {key, value["message_id"]}
                done.added += 1
        if progress is not None:
            await progress(done, len(threads))
    return done
