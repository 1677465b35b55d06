"""What one user may write through the store API: a rate, and a total.

The store embeds what it indexes on the server's CPU, and every user's calls share it: one user's stream of
indexed puts made another user's chat turn take 15 times as long. So a user's puts through the store API (the
memory page's edits and imports included) are counted per minute, those the store embeds on a tighter budget
(``limits.STORE_WRITES``, ``limits.EMBEDDED_WRITES``): beyond either, HTTP 429 with Retry-After. And the items a
user keeps are counted (``limits.STORE_ITEMS``; recounted at most once a minute, the puts since added): a put
beyond it is 413. Deletions are always allowed. What the server writes on its own (memory writes, episodes, a
job such as adding earlier chats: ``server_work``) is not the user's to spend and never counts.

The counts are this replica's: with several replicas a user may write up to the rate on each.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from langgraph_sdk import get_client

from agent import limits
from agent.server.request_bounds import refuse
from agent.stores.layout import space

WINDOW_SECONDS = 60.0
RECOUNT_SECONDS = 60.0
PAGE = 1_000
_writes: dict[tuple[str, bool], deque[float]] = {}  # (user, embedded) -> times of their puts in the window
_counted: dict[str, tuple[float, int]] = {}  # user -> (when their items were counted, how many since)
_server_work: ContextVar[bool] = ContextVar("server_work", default=False)


@contextmanager
def server_work() -> Iterator[None]:
    """Calls made in here are the server's own work for a user: they never count against the user's quota."""
    token = _server_work.set(True)
    try:
        yield
    finally:
        _server_work.reset(token)


def _charge(user: str, embedded: bool) -> None:
    limit = limits.EMBEDDED_WRITES if embedded else limits.STORE_WRITES
    now = time.monotonic()
    window = _writes.setdefault((user, embedded), deque())
    while window and now - window[0] > WINDOW_SECONDS:
        window.popleft()
    if len(window) >= (most := limit.value()):
        wait = max(1, int(WINDOW_SECONDS - (now - window[0])) + 1)
        raise refuse(
            429,
            f"you have made {len(window)} {limit.what.split(' per ')[0]} in the last minute; the limit is {most} "
            f"({limit.env}): try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    window.append(now)


async def _items(user: str) -> int:
    """How many items the user keeps (counted up to just past the limit), recounted at most once a minute."""
    now = time.monotonic()
    counted_at, count = _counted.get(user, (0.0, -1))
    if count >= 0 and now - counted_at < RECOUNT_SECONDS:
        return count
    most, count = limits.STORE_ITEMS.value(), 0
    store = get_client().store  # in-process, as the server: no auth handler, no quota
    while count <= most:
        page = (await store.search_items(list(space(user).everything), limit=PAGE, offset=count))["items"]
        count += len(page)
        if len(page) < PAGE:
            break
    _counted[user] = (now, count)
    return count


async def charge_put(user: str, embedded: bool) -> None:
    """Count a put of ``user``'s through the store API, or raise the 429 or 413 the caller sees."""
    if _server_work.get():
        return
    _charge(user, False)
    if embedded:
        _charge(user, True)
    kept = await _items(user)
    if kept >= (most := limits.STORE_ITEMS.value()):
        raise refuse(
            413,
            f"you keep {kept:,} items in the store; the limit is {most:,} ({limits.STORE_ITEMS.env}): "
            "delete some first",
        )
    counted_at, count = _counted[user]
    _counted[user] = (counted_at, count + 1)  # a new key, or a replaced one: counted as new until the recount
