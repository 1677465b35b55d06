"""Episodes: what was said, kept searchable beside the facts, so a detail no fact holds is not lost.

Every exchange (a message of the user's, with the assistant's reply beside it) is kept for its user under
("memory", <user>, "episodes"): the user's words in ``content`` and the reply in ``context`` (both embedded by
the store's index, so "what did you recommend?" finds the reply), the chat thread, the message's id and when
(``recorded_at``). A key is derived from the chat thread and the message, so a write that is retried stores an
exchange once. Episodes are written with the memory write, after the reply (`agent.memory.api.remember_turn`),
in both write modes, and stay out of memory listings, edits and the facts' search (another namespace).

``MEMORY_CHATBOT_EPISODE_RETENTION_DAYS`` keeps them that many days (the store's TTL on Postgres; the dev
server's in-memory store sweeps the expired ones as it writes); unset, they are kept. Facts drawn from an
episode stay when it is deleted or expires: their history says where they came from, "a conversation since
deleted".
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from langchain_core.messages import BaseMessage
from langgraph.store.base import BaseStore, Item, PutOp, SearchItem

from agent.memory.records.marks import is_unkept
from agent.memory.records.timeline import RECORDED_AT, recorded_date
from agent.stores.layout import space

EPISODES = "episodes"
FORGOTTEN = "episodes_forgotten"
CHAT_THREAD_TAG = "chat_thread_id"
"""In a queued message's ``additional_kwargs``: the chat thread it was said in (`agent.memory.queue.write_queue`)."""
RETENTION_ENV = "MEMORY_CHATBOT_EPISODE_RETENTION_DAYS"
MAX_TEXT_CHARS = 20_000  # one side of an exchange, as stored (a message is capped at that already)
_KEYS = uuid.UUID("8f0b7c0e-7a0e-4f6b-9b0a-5b3f5f2d6c11")


def namespace(user_id: str) -> tuple[str, ...]:
    """Where a user's episodes live: ("memory", <user>, "episodes")."""
    return space(user_id).episodes


def forgotten_namespace(user_id: str) -> tuple[str, ...]:
    """Where the keys of the episodes a user deleted one by one are kept (keys only), so that adding earlier
    chats (``agent.memory.manage.backfill``) never brings one back."""
    return space(user_id).forgotten_episodes


def retention_days() -> int | None:
    """How many days episodes are kept (``RETENTION_ENV``), or None: for good."""
    raw = os.environ.get(RETENTION_ENV, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{RETENTION_ENV} must be a whole number of days from 1 up, not {raw!r}")
    return int(raw)


def exchanges(messages: Sequence[BaseMessage]) -> list[tuple[BaseMessage, str]]:
    """Each message of the user's in ``messages``, with the assistant's reply that follows it ("" if none); none
    whose message is marked never to be kept (`agent.memory.records.marks`)."""
    pairs: list[tuple[BaseMessage, str]] = []
    for index, message in enumerate(messages):
        if message.type != "human" or not message.text.strip() or is_unkept(message):
            continue
        reply = next((m for m in messages[index + 1 :] if m.type in ("ai", "human")), None)
        pairs.append((message, reply.text if reply is not None and reply.type == "ai" else ""))
    return pairs


def episode_key(chat_thread_id: str | None, message: BaseMessage) -> str:
    """The same key for the same exchange, however often it is written."""
    return str(uuid.uuid5(_KEYS, f"{chat_thread_id}\x00{message.id or message.text}"))


def episode_values(
    messages: Sequence[BaseMessage], chat_thread_id: str | None, said_at: Callable[[BaseMessage], datetime]
) -> list[tuple[str, dict]]:
    """The episodes (key, value) of the exchanges in ``messages``, each message said at ``said_at(message)``, in
    ``chat_thread_id`` or the chat thread the message was queued from (``CHAT_THREAD_TAG``: a memory write
    can take messages of several chats at once)."""
    values = []
    for message, reply in exchanges(messages):
        thread = message.additional_kwargs.get(CHAT_THREAD_TAG) or chat_thread_id
        moment = said_at(message)
        at = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="seconds")
        value = {
            "content": message.text[:MAX_TEXT_CHARS],
            "context": reply[:MAX_TEXT_CHARS] or None,
            "chat_thread_id": thread,
            "message_id": message.id,
            RECORDED_AT: at,
        }
        values.append((episode_key(thread, message), value))
    return values


def ttl_minutes(days: int | None) -> int | None:
    """The store TTL of an episode kept ``days`` days (None: for good)."""
    return days * 24 * 60 if days else None


async def record(
    store: BaseStore,
    user_id: str,
    messages: Sequence[BaseMessage],
    chat_thread_id: str | None,
    when: datetime | None = None,
) -> list[str]:
    """Keep each exchange of ``messages`` as an episode of ``user_id``'s (said ``when``, default now); their keys."""
    moment = when or datetime.now(UTC)
    days = retention_days()
    said = episode_values(messages, chat_thread_id, lambda _: moment)
    if said:
        await store.abatch([PutOp(namespace(user_id), key, value, ttl=ttl_minutes(days)) for key, value in said])
        if days:
            await _sweep(store, user_id, days)
    return [key for key, _ in said]


SWEEP_EVERY = timedelta(hours=6)
_swept: dict[str, datetime] = {}  # user -> when this process last swept their episodes


async def _sweep(store: BaseStore, user_id: str, days: int) -> None:
    """Delete the user's episodes past retention now and then (the dev server's store keeps a TTL'd item; the
    Postgres store's sweeper would delete it anyway)."""
    now = datetime.now(UTC)
    if now - _swept.get(user_id, datetime.min.replace(tzinfo=UTC)) < SWEEP_EVERY:
        return
    _swept[user_id] = now
    cutoff = (now - timedelta(days=days)).isoformat(timespec="seconds")
    while expired := await store.asearch(namespace(user_id), filter={RECORDED_AT: {"$lt": cutoff}}, limit=100):
        for item in expired:
            await store.adelete(namespace(user_id), item.key)


MIN_SCORE = 0.2
"""Cosine similarity below which an exchange is not about the query at all (a greeting matches nothing)."""


async def search(store: BaseStore, user_id: str, query: str, limit: int) -> list[SearchItem]:
    """The user's episodes nearest to ``query`` (the store's vector search: a bounded pool at any size), those
    at all about it; without a vector index, the store's first ones."""
    if limit <= 0 or not query:
        return []
    found = await store.asearch(namespace(user_id), query=query, limit=limit)
    return [
        item
        for item in found
        if tuple(item.namespace) == namespace(user_id) and (item.score is None or item.score >= MIN_SCORE)
    ]


def render(item: Item) -> str:
    """One excerpt for the prompt: when, what the user said and what the assistant replied."""
    day = recorded_date(item)
    said = " ".join(str(item.value.get("content", "")).split())
    reply = " ".join(str(item.value.get("context") or "").split())
    return f"[{day or 'undated'}] user: {said}" + (f" / you: {reply}" if reply else "")
