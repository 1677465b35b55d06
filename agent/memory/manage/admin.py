"""What a user can do with what the bot remembers: list, edit and delete memories, see a memory's history
and restore one of its versions, or forget everything.

Everything goes through the SDK, so with auth on it can only ever touch the caller's own data. Used
by `python -m agent.client memories ...` and by the memory page (`agent/server/webapp.py`). Every edit,
deletion and restore is recorded as a version of the memory (``agent.memory.records.history``), with its source.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime

import httpx
from langgraph_sdk.client import LangGraphClient
from pydantic import ValidationError

from agent.memory import health
from agent.memory.kinds import NEVER_KEEP, STORED_KINDS
from agent.memory.queue.writer_threads import OWNER, WRITER_OF
from agent.memory.records import changes, episodes
from agent.memory.records.history import HISTORY, find_version, now, versions_of, with_version
from agent.memory.records.namespaces import MAX_VALUE_CHARS, valid_unicode, without_nul
from agent.memory.records.timeline import RECORDED_AT
from agent.memory.write import review
from agent.memory.write.notices import described_changes
from agent.stores.layout import EPISODES, space
from agent.users import check_user_id

PAGE = 100
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


MAX_WAIT_SECONDS = 60


async def put_item(client: LangGraphClient, namespace: list[str], key: str, value: dict, **options) -> None:
    """``client.store.put_item``, waiting out the server's write quota (HTTP 429 with Retry-After, up to a minute
    at a time) rather than failing: an import or a long edit session is paced, never cut short."""
    while True:
        try:
            await client.store.put_item(namespace, key, value, **options)
            return
        except httpx.HTTPStatusError as error:
            wait = error.response.headers.get("retry-after", "")
            if error.response.status_code != 429 or not wait.isdigit():
                raise
            await asyncio.sleep(min(int(wait), MAX_WAIT_SECONDS))


class BadMemoryRequest(ValueError):
    """The request names no valid memory or carries an invalid value; nothing was changed."""

    status = 400
    """The HTTP status the memory page answers it with."""


def _namespace(user_id: str, memory_type: str) -> list[str]:
    if memory_type not in STORED_KINDS:
        raise BadMemoryRequest(f"unknown memory_type {memory_type!r}; expected one of {', '.join(STORED_KINDS)}")
    try:
        return list(space(user_id).memories(memory_type))
    except ValueError as error:
        raise BadMemoryRequest(str(error)) from None


def _history_namespace(user_id: str, memory_type: str) -> list[str]:
    _namespace(user_id, memory_type)  # a known kind and a valid user id, else BadMemoryRequest
    return list(space(user_id).history(memory_type))


def _key(key: str) -> str:
    if not isinstance(key, str) or not _KEY.match(key):
        raise BadMemoryRequest("a memory key is 1-128 letters, digits, '-' or '_'")
    return key


async def _every_item(client: LangGraphClient, namespace: list[str]) -> list[dict]:
    """Every item under ``namespace`` (its sub-namespaces too), paged past the store API's limit."""
    items: list[dict] = []
    while True:
        page = (await client.store.search_items(namespace, limit=PAGE, offset=len(items)))["items"]
        items += [dict(item) for item in page]
        if len(page) < PAGE:
            return items


async def stored_items_under(client: LangGraphClient, namespace: list[str]) -> list[dict]:
    """Every item directly in ``namespace`` (not in its sub-namespaces)."""
    return [item for item in await _every_item(client, namespace) if item["namespace"] == namespace]


def checked_value(memory_type: str, value: object) -> dict:
    """``value`` as a memory of ``memory_type`` holds it (its schema's fields), else BadMemoryRequest."""
    if not isinstance(value, dict):
        raise BadMemoryRequest(f"a {memory_type} memory is a JSON object")
    return _checked(memory_type, value)


async def import_memory(client: LangGraphClient, user_id: str, memory_type: str, key: str, value: dict) -> None:
    """Store ``value`` (checked already) as the user's ``memory_type`` memory ``key``, as an export held it."""
    namespace, key = _namespace(user_id, memory_type), _key(key)
    await put_item(client, namespace, key, value, index=False if STORED_KINDS[memory_type].key else None)


async def stored_items(client: LangGraphClient, user_id: str, memory_type: str) -> list[dict]:
    """Every stored item of the user's ``memory_type``, as the store API returns them."""
    return await _every_item(client, _namespace(user_id, memory_type))


async def list_memories(client: LangGraphClient, user_id: str) -> dict[str, list[dict]]:
    """Every stored memory of the user, by memory type: [{"key", "value", "updated_at"}]."""
    return {
        memory_type: [
            {"key": i["key"], "value": i["value"], "updated_at": i.get("updated_at")}
            for i in await stored_items(client, user_id, memory_type)
        ]
        for memory_type in STORED_KINDS
    }


def _checked_fields(memory_type: str, value: object) -> None:
    """Refuse a value that is not an object of the kind's own fields."""
    if not isinstance(value, dict):
        raise BadMemoryRequest(f"a {memory_type} memory is a JSON object of its fields")
    fields = STORED_KINDS[memory_type].schema.model_fields
    if unknown := [name for name in value if name not in fields]:
        raise BadMemoryRequest(
            f"a {memory_type} memory has no field {', '.join(map(repr, unknown))} (its fields: {', '.join(fields)})"
        )


def _checked(memory_type: str, value: dict) -> dict:
    try:
        checked = STORED_KINDS[memory_type].schema.model_validate(value).model_dump(mode="json")
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise BadMemoryRequest(f"invalid {memory_type} memory: {where + ': ' if where else ''}{first['msg']}") from None
    if len(json.dumps(checked)) > MAX_VALUE_CHARS:
        raise BadMemoryRequest(f"a memory is at most {MAX_VALUE_CHARS:,} characters of JSON")
    if not valid_unicode(checked):
        raise BadMemoryRequest("a memory's text must be valid Unicode (it holds a lone surrogate)")
    return without_nul(checked)


async def _write(
    client: LangGraphClient,
    user_id: str,
    memory_type: str,
    key: str,
    value: dict | None,
    current: dict | None,
    **provenance,
) -> None:
    """Record the change as the memory's newest version, then put (or, for None, delete) the memory.

    The history goes first: if the server refuses it, nothing has changed."""
    namespace, past = _namespace(user_id, memory_type), _history_namespace(user_id, memory_type)
    history = await client.store.get_item(past, key)
    recorded = with_version(history["value"] if history else None, key, value, current=current, at=now(), **provenance)
    await put_item(client, past, key, recorded, index=False)
    if value is None:
        await client.store.delete_item(namespace, key)
    else:
        await put_item(client, namespace, key, value, index=False if STORED_KINDS[memory_type].key else None)
    await _note_edit(client, user_id, memory_type, key, value, current, provenance.get("source"))


EDITS = "edits"
"""The changes item that holds what the user changed themself (page, command line), beside the chats' notices."""


async def _note_edit(
    client: LangGraphClient, user_id: str, memory_type: str, key: str, value: dict | None, current: dict | None, source
) -> None:
    """Add the edit to the user's activity, in the same words as a write's notices."""
    if memory_type == NEVER_KEEP.name:  # a rule is not something the bot knows
        return
    entries = [
        {**entry, "source": source}
        for entry in described_changes(STORED_KINDS[memory_type], {key: current} if current else {}, [(key, value)])
    ]
    if entries:
        namespace = list(changes.namespace(user_id))
        item = await client.store.get_item(namespace, EDITS)
        kept = changes.since(item["value"] if item else None, None)
        await put_item(client, namespace, EDITS, {"changes": [*kept, *entries][-changes.MAX_CHANGES :]}, index=False)


async def update_memory(
    client: LangGraphClient,
    user_id: str,
    memory_type: str,
    key: str,
    value: dict,
    source: str = "cli",
    merge: bool = False,
) -> dict:
    """Replace one memory's value (with ``merge``: change only the fields ``value`` names) after checking it
    against its memory type's schema; a field the kind does not have is refused, nothing changed."""
    namespace, key = _namespace(user_id, memory_type), _key(key)
    fixed = STORED_KINDS[memory_type].key
    if fixed is not None and key != fixed:
        raise BadMemoryRequest(f"{memory_type} memory is one document under the key {fixed!r}")
    if isinstance(value, dict):  # the time a collection item was said is the store's, not an editable field
        value = {name: held for name, held in value.items() if name != RECORDED_AT}
    _checked_fields(memory_type, value)
    stored = await client.store.get_item(namespace, key)
    if stored is None:
        raise BadMemoryRequest(f"no {memory_type} memory with key {key!r}")
    kept = {name: held for name, held in stored["value"].items() if name != RECORDED_AT}
    checked = _checked(memory_type, {**kept, **value} if merge else value)
    if RECORDED_AT in stored["value"]:
        checked[RECORDED_AT] = stored["value"][RECORDED_AT]  # an edit keeps when it was first said
    await _write(client, user_id, memory_type, key, checked, stored["value"], source=source)
    return checked


async def add_memory(client: LangGraphClient, user_id: str, memory_type: str, value: dict, source: str = "cli") -> str:
    """Add a memory the user writes themself: a new item of a collection, or a document kind's document when
    there is none yet; its key."""
    namespace = _namespace(user_id, memory_type)
    _checked_fields(memory_type, value)
    checked = _checked(memory_type, value)
    key = STORED_KINDS[memory_type].key
    if key is None:
        key = str(uuid.uuid4())
    elif await client.store.get_item(namespace, key) is not None:
        raise BadMemoryRequest(f"{memory_type} memory is one document, and it exists: change it with edit")
    await _write(client, user_id, memory_type, key, checked, None, source=source)
    return key


async def delete_memory(client: LangGraphClient, user_id: str, memory_type: str, key: str, source: str = "cli") -> None:
    """Delete one memory (its history keeps it, restorable)."""
    namespace, key = _namespace(user_id, memory_type), _key(key)
    stored = await client.store.get_item(namespace, key)
    if stored is None:
        raise BadMemoryRequest(f"no {memory_type} memory with key {key!r}")
    await _write(client, user_id, memory_type, key, None, stored["value"], source=source)


async def memory_history(client: LangGraphClient, user_id: str, memory_type: str, key: str) -> list[dict]:
    """The kept versions of one memory, oldest first, deleted ones included (value None); each with ``said``, the
    user's words it was drawn from and when ([{"said", "at"}], a deleted or expired episode left out)."""
    history = await client.store.get_item(_history_namespace(user_id, memory_type), _key(key))
    if history is None:
        raise BadMemoryRequest(f"no history of a {memory_type} memory with key {key!r}")
    versions = versions_of(history["value"])
    keys = [k for v in versions for k in [*_episode_keys(v), *_quoted_episodes(v.get("quotes"))]]
    words = await said(client, user_id, keys)
    for version in versions:
        version["said"] = [words[k] for k in _episode_keys(version) if k in words]
        version["quotes"] = quoted_words(version.get("quotes"), words)
    return versions


def _quoted_episodes(refs: object) -> list[str]:
    return (
        [r["episode"] for r in refs if isinstance(r, dict) and isinstance(r.get("episode"), str)]
        if isinstance(refs, list)
        else []
    )


def quoted_words(refs: object, words: dict[str, dict]) -> list[dict]:
    """The user's words that quote references point at ([{"fact", "words", "at"}]), those still there: an episode
    forgotten or expired takes its words with it."""
    found = []
    for ref in refs if isinstance(refs, list) else []:
        if not isinstance(ref, dict):
            continue
        if isinstance(ref.get("said"), str):  # a write with no episodes kept the words themselves
            found.append({"fact": ref.get("fact"), "words": ref["said"], "at": None})
            continue
        episode = words.get(str(ref.get("episode")))
        start, end = ref.get("start"), ref.get("end")
        text = episode.get("said") if episode else None
        if (
            episode
            and isinstance(text, str)
            and type(start) is int
            and type(end) is int
            and 0 <= start < end <= len(text)
        ):
            found.append({"fact": ref.get("fact"), "words": text[start:end], "at": episode.get("at")})
    return found


def _episode_keys(version: dict) -> list[str]:
    keys = version.get("episodes")
    return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []


async def said(client: LangGraphClient, user_id: str, keys: list[str]) -> dict[str, dict]:
    """The user's words of the episodes ``keys`` that still exist: {key: {"said", "at"}}."""
    namespace = list(episodes.namespace(check_user_id(user_id)))
    found: dict[str, dict] = {}
    for key in dict.fromkeys(keys):
        try:
            item = await client.store.get_item(namespace, key)
        except httpx.HTTPStatusError:
            item = None
        if item is not None:
            found[key] = {"said": item["value"].get("content"), "at": item["value"].get(RECORDED_AT)}
    return found


async def sources(client: LangGraphClient, user_id: str, memory_type: str) -> dict[str, list[dict]]:
    """For each memory of ``memory_type`` that has a history: the user's words its current version came from."""
    latest = {
        kept["key"]: _episode_keys(kept["newest"]) for kept in await remembered_keys(client, user_id, memory_type)
    }
    words = await said(client, user_id, [k for keys in latest.values() for k in keys])
    return {key: [words[k] for k in keys if k in words] for key, keys in latest.items()}


async def current_quotes(client: LangGraphClient, user_id: str, memory_type: str) -> dict[str, list[dict]]:
    """For each memory of ``memory_type`` that has a history: the user's words behind each of its current facts
    ([{"fact", "words", "at"}], the newest quote of each fact; a fact stored before quotes were kept has none)."""
    kind = STORED_KINDS[memory_type]
    kept = await remembered_keys(client, user_id, memory_type)
    histories = {
        item["key"]: versions_of(item["value"])
        for item in await _every_item(client, _history_namespace(user_id, memory_type))
        if item["key"] in {k["key"] for k in kept if k["current"] is not None}
    }
    refs = {key: [r for v in reversed(vs) for r in (v.get("quotes") or [])] for key, vs in histories.items()}
    words = await said(client, user_id, [k for rs in refs.values() for k in _quoted_episodes(rs)])
    current = {k["key"]: k["current"] for k in kept}
    found: dict[str, list[dict]] = {}
    for key, key_refs in refs.items():
        facts = {fact.text for fact in kind.facts(current.get(key) or {})}
        seen: set[str] = set()
        for quote in quoted_words(key_refs, words):
            if quote["fact"] in facts and quote["fact"] not in seen:
                seen.add(quote["fact"])
                found.setdefault(key, []).append(quote)
    return found


MAX_OFFSET = 1_000_000  # as far into a listing as the store API pages (agent.server.auth)


async def episode_list(
    client: LangGraphClient, user_id: str, limit: int = PAGE, offset: int = 0, query: str | None = None
) -> list[dict]:
    """A page of the user's episodes (what was said, the reply, when, in which chat, its message), newest first
    within it; with ``query``, those closest to it in meaning."""
    if not 0 <= offset <= MAX_OFFSET:
        raise BadMemoryRequest(f"offset is a whole number from 0 to {MAX_OFFSET:,}")
    namespace = list(episodes.namespace(check_user_id(user_id)))
    page = (await client.store.search_items(namespace, limit=limit, offset=offset, query=query))["items"]
    shown = [
        {
            "key": i["key"],
            "said": i["value"].get("content"),
            "reply": i["value"].get("context"),
            "at": i["value"].get(RECORDED_AT),
            "chat_thread_id": i["value"].get("chat_thread_id"),
            "message_id": i["value"].get("message_id"),
        }
        for i in page
    ]
    return shown if query else sorted(shown, key=lambda e: str(e["at"] or ""), reverse=True)


MOST_CHANGES_SHOWN = 200
MOST_CHANGE_THREADS = 100  # chats whose notices are read: the page's activity costs the same however many chats


async def recent_changes(client: LangGraphClient, user_id: str) -> list[dict]:
    """What memory writes changed, across the user's chats, newest first (at most ``MOST_CHANGES_SHOWN``): each
    notice of `agent.memory.records.changes` with its chat thread."""
    namespace = list(changes.namespace(check_user_id(user_id)))
    threads = (await client.store.search_items(namespace, limit=MOST_CHANGE_THREADS))["items"]
    found = [
        {**entry, "chat_thread_id": None if item["key"] in (changes.NO_THREAD, EDITS) else item["key"]}
        for item in threads
        for entry in changes.since(item["value"], None)
    ]
    return sorted(found, key=lambda e: str(e.get("at", "")), reverse=True)[:MOST_CHANGES_SHOWN]


async def delete_episode(client: LangGraphClient, user_id: str, key: str) -> None:
    """Forget one exchange. The facts drawn from it stay (their history says "a conversation since deleted")."""
    namespace = list(episodes.namespace(check_user_id(user_id)))
    if (episode := await client.store.get_item(namespace, _key(key))) is None:
        raise BadMemoryRequest(f"no episode with key {key!r}")
    forgotten = {"forgotten_at": now(), "message_id": episode["value"].get("message_id")}  # no words kept
    await put_item(client, list(episodes.forgotten_namespace(user_id)), key, forgotten, index=False)
    await client.store.delete_item(namespace, key)


async def remembered_keys(client: LangGraphClient, user_id: str, memory_type: str) -> list[dict]:
    """Every memory of ``memory_type`` with a history, deleted ones too: [{"key", "versions", "current", "last"}]
    (``current`` None for a deleted memory; ``last`` its latest value that was not a deletion)."""
    past = _history_namespace(user_id, memory_type)
    remembered = []
    for item in await _every_item(client, past):
        if item["namespace"] != past:
            continue
        kept = versions_of(item["value"])
        values = [v["value"] for v in kept if v["value"] is not None]
        current = kept[-1]["value"] if kept else None
        last, newest = (values or [None])[-1], (kept or [{}])[-1]
        remembered.append(
            {"key": item["key"], "versions": len(kept), "current": current, "last": last, "newest": newest}
        )
    return remembered


async def restore_memory(
    client: LangGraphClient, user_id: str, memory_type: str, key: str, version: int, source: str = "cli"
) -> dict | None:
    """Make version ``version`` of a memory its current value again (a deleted version deletes it)."""
    namespace, key = _namespace(user_id, memory_type), _key(key)
    history = await client.store.get_item(_history_namespace(user_id, memory_type), key)
    chosen = find_version(history["value"] if history else None, version)
    if chosen is None:
        raise BadMemoryRequest(f"no version {version!r} kept of the {memory_type} memory {key!r}")
    stored = await client.store.get_item(namespace, key)
    value = None if chosen["value"] is None else _checked(memory_type, chosen["value"])
    if value is None and stored is None:
        raise BadMemoryRequest(f"the {memory_type} memory {key!r} is already deleted")
    await _write(
        client,
        user_id,
        memory_type,
        key,
        value,
        stored["value"] if stored else None,
        source=source,
        restored_from=version,
    )
    return value


async def _stop_and_delete_thread(client: LangGraphClient, thread_id: str) -> None:
    for run in await client.runs.list(thread_id, limit=PAGE):
        if run["status"] in ("pending", "running"):
            try:
                await client.runs.cancel(thread_id, run["run_id"], wait=run["status"] == "running")
            except httpx.HTTPStatusError as error:  # the SDK's NotFoundError, or httpx's own when waiting
                if error.response.status_code != 404:
                    raise  # 404: the run ended meanwhile (a write lease is released within moments)
    await client.threads.delete(thread_id)


async def forget_user(client: LangGraphClient, user_id: str) -> dict[str, int]:
    """Delete every memory, memory history, exchange said and thread of the user (and every other record kept
    about them); pending memory writes are cancelled first. How many of each went: "memories" counts what the
    memory listing shows, "episodes" the exchanges said, "other" what neither shows (review, health, jobs)."""
    check_user_id(user_id)
    counts = {"threads": 0, "memories": 0, "histories": 0, "episodes": 0, "other": 0}
    # Memory-writer threads first, so that no queued write puts anything back. The server stamps both
    # keys with auth on; without auth, only the writer threads carry one. Write-lease threads go after the
    # writes that could still take a lease; a last pass finds one that a write being stopped re-created.
    for metadata in ({WRITER_OF: user_id}, {OWNER: user_id}, {WRITER_OF: user_id}):
        while threads := await client.threads.search(metadata=metadata, limit=PAGE):
            for thread in sorted(threads, key=lambda t: (t.get("metadata") or {}).get("purpose") == "memory-lock"):
                await _stop_and_delete_thread(client, thread["thread_id"])
                counts["threads"] += 1
    # Then everything stored under ("memory", <user>), whatever its namespace or shape.
    while items := (await client.store.search_items(list(space(user_id).everything), limit=PAGE))["items"]:
        for item in items:
            await client.store.delete_item(item["namespace"], item["key"])
            counts[_record_of(item["namespace"])] += 1
    return counts


def _record_of(namespace: list[str]) -> str:
    """What an item under ("memory", <user>, ...) is, as `forget_user` counts it."""
    part = namespace[2] if len(namespace) > 2 else ""
    if part == HISTORY:
        return "histories"
    if part in STORED_KINDS:
        return "memories"
    return "episodes" if part == EPISODES else "other"


async def health_report(client: LangGraphClient, user_id: str) -> dict:
    """The user's memory health (``agent.memory.health``): memories by kind, what the guards did to the model's
    writes, and near-duplicate facts."""
    memories = await list_memories(client, user_id)
    stored = await client.store.get_item(list(health.namespace(user_id)), health.KEY)
    left_out = await client.store.get_item(list(health.namespace(user_id)), health.LEFT_OUT)
    waiting = await stored_items_under(client, list(review.namespace(user_id)))
    return {
        "memories": {memory_type: len(items) for memory_type, items in memories.items()},
        **health.counts_of(stored["value"] if stored else None),
        "left_out": health.left_out_of(left_out["value"] if left_out else None),
        "to_review": len(waiting),
        "near_duplicates": health.near_duplicates(memories),
        "near_duplicate_threshold": health.NEAR_DUPLICATE,
    }


async def restore_at(client: LangGraphClient, user_id: str, when: datetime, source: str = "cli") -> dict:
    """Make every memory of every kind (instructions included) what it was at ``when``; each change is a new
    version (restored_at), so the restore itself can be undone. How far back it reaches: a memory's last
    ``MAX_VERSIONS`` versions; one whose kept history starts after ``when`` without its first version (older ones
    were dropped) cannot be placed, is left as it is and is reported. A ``when`` without a time zone is UTC.
    Counts, the time in UTC ("at"), the memories changed ("changed": "type/key") and those left as they were.
    """
    try:
        at = when.astimezone(UTC).isoformat() if when.tzinfo else when.replace(tzinfo=UTC).isoformat()
    except (OverflowError, ValueError):  # year 1 with a positive offset, year 9999 with a negative one
        raise BadMemoryRequest(f"{when.isoformat()} is outside the times that can be told apart in UTC") from None
    report: dict = {"at": at, "restored": 0, "deleted": 0, "unchanged": 0, "changed": [], "beyond_history": []}
    for memory_type in STORED_KINDS:
        history_namespace = _history_namespace(user_id, memory_type)
        for item in await _every_item(client, history_namespace):
            if item["namespace"] != history_namespace:
                continue
            versions = versions_of(item["value"])
            known, then = _value_at(versions, at)
            if not known:
                report["beyond_history"].append(f"{memory_type}/{item['key']}")
                continue
            stored = await client.store.get_item(_namespace(user_id, memory_type), item["key"])
            current = stored["value"] if stored else None
            if current == then:
                report["unchanged"] += 1
                continue
            value = None if then is None else _checked(memory_type, then)
            await _write(client, user_id, memory_type, item["key"], value, current, source=source, restored_at=at)
            report["deleted" if value is None else "restored"] += 1
            report["changed"].append(f"{memory_type}/{item['key']}")
    return report


def _value_at(versions: list[dict], at: str) -> tuple[bool, dict | None]:
    """(whether the kept versions tell, the memory's value) at ``at`` (ISO time)."""
    if not versions:
        return False, None
    for version in reversed(versions):
        started = version.get("valid_from")
        if started is None or str(started) <= at:
            return True, version["value"]  # the newest version begun by then (one of unknown start counts)
    return versions[0]["version"] == 1, None  # created after ``at``: nothing then, if its first version is kept


# -- facts held for review ----------------------------------------------------------------------------------


def _review_history_namespace(user_id: str) -> list[str]:
    return list(space(user_id).history(review.REVIEW))


async def review_list(client: LangGraphClient, user_id: str) -> list[dict]:
    """The facts held for the user's review, oldest first: [{"id", "memory_type", "fact", "reason", "held_at",
    "times", "quotes": [{"words", "at"}]}] (words of an exchange since forgotten left out)."""
    held = [
        item
        for item in await stored_items_under(client, list(review.namespace(user_id)))
        if isinstance(item["value"], dict) and item["value"].get("memory_type") in STORED_KINDS
    ]
    words = await said(client, user_id, [k for item in held for k in _quoted_episodes(item["value"].get("quotes"))])
    shown = [
        {
            "id": item["key"],
            "memory_type": item["value"]["memory_type"],
            "fact": str(item["value"].get("fact") or ""),
            "reason": str(item["value"].get("reason") or ""),
            "replaces": item["value"].get("replaces"),
            "held_at": item["value"].get("held_at"),
            "times": item["value"].get("times"),
            "quotes": [{"words": q["words"], "at": q["at"]} for q in quoted_words(item["value"].get("quotes"), words)],
        }
        for item in held
    ]
    return sorted(shown, key=lambda h: str(h["held_at"] or ""))


MAX_FIX_CHARS = 2_000


async def review_decide(
    client: LangGraphClient, user_id: str, held_id: str, decision: str, text: str | None = None, source: str = "cli"
) -> dict | None:
    """Confirm a held fact (written as a fact), fix it (``text``, the user's own wording, is written) or discard
    it. Each decision is a version in the review item's history; a written fact is a version of its memory.
    Returns the memory's new value (None when discarded)."""
    if decision not in ("confirm", "fix", "discard"):
        raise BadMemoryRequest("a decision is confirm, fix or discard")
    if decision == "fix" and (
        not isinstance(text, str) or not text.strip() or len(text) > MAX_FIX_CHARS or not valid_unicode(text)
    ):
        raise BadMemoryRequest(f"a fix is the fact in your own words, 1 to {MAX_FIX_CHARS:,} characters")
    where = list(review.namespace(check_user_id(user_id)))
    item = await client.store.get_item(where, _key(held_id))
    held = item["value"] if item else None
    if not isinstance(held, dict) or held.get("memory_type") not in STORED_KINDS:
        raise BadMemoryRequest(f"nothing is waiting for review under {held_id!r}")
    written = None
    if decision != "discard":
        memory_type = held["memory_type"]
        kind = STORED_KINDS[memory_type]
        key = _key(kind.key or str(held.get("key") or ""))
        stored = await client.store.get_item(_namespace(user_id, memory_type), key)
        current = stored["value"] if stored else None
        fixed = text.strip() if decision == "fix" and text else None
        written = _checked(memory_type, review.confirmed_value(current, held, fixed))
        quotes = held.get("quotes") if decision == "confirm" else None
        await _write(client, user_id, memory_type, key, written, current, source=source, review=held_id, quotes=quotes)
    past = _review_history_namespace(user_id)
    history = await client.store.get_item(past, held_id)
    recorded = with_version(
        history["value"] if history else None, held_id, None, current=held, at=now(), source=source, decision=decision
    )
    await put_item(client, past, held_id, recorded, index=False)
    await client.store.delete_item(where, held_id)
    return written
