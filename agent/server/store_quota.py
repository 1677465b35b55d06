"""What one user may write through the store API: a rate, and a total.

The store embeds what it indexes on the server's CPU, and every user's calls share it: one user's stream of
indexed puts made another user's chat turn take 15 times as long. So a user's puts through the store API (the
memory page's edits and imports included) are counted per minute, those the store embeds on a tighter budget
(``limits.STORE_WRITES``, ``limits.EMBEDDED_WRITES``): beyond either, HTTP 429 with Retry-After. And the items a
user keeps are counted (``limits.STORE_ITEMS``: in the background, one count per user at a time, a page of 100
items at a time, again once the count is a minute old, the puts since added): a put beyond it is 413. A refused
put counts against nothing. Deletions are always allowed. What the server writes on its own (memory writes, episodes, a
job such as adding earlier chats: ``server_work``) is not the user's to spend and never counts.

The counts are this replica's: with several replicas a user may write up to the rate on each.
"""

from __future__ import annotations

import asyncio
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
PAGE = 100  # items read at once by a count: a page of values at most 6.4 MB
_writes: dict[tuple[str, bool], deque[float]] = {}  # (user, embedded) -> times of their puts in the window
_counted: dict[str, tuple[float, int]] = {}  # user -> (when their items were counted, how many then and since)
_since: dict[str, int] = {}  # user -> puts since their count now running began
_recounting: set[str] = set()  # users whose items are being counted
_tasks: set[asyncio.Task] = set()
_server_work: ContextVar[bool] = ContextVar("server_work", default=False)


@contextmanager
def server_work() -> Iterator[None]:
    """Calls made in here are the server's own work for a user: they never count against the user's quota."""
    token = _server_work.set(True)
    try:
        yield
    finally:
        _server_work.reset(token)


def _window(user: str, embedded: bool, now: float) -> deque[float]:
    window = _writes.setdefault((user, embedded), deque())
    while window and now - window[0] > WINDOW_SECONDS:
        window.popleft()
    return window


def _charge(user: str, embedded: bool) -> None:
    """Count a put in the user's windows, or raise 429 for the first limit it would pass (counting nothing)."""
    now = time.monotonic()
    windows = [(limits.STORE_WRITES, _window(user, False, now))]
    if embedded:
        windows.append((limits.EMBEDDED_WRITES, _window(user, True, now)))
    for limit, window in windows:
        if len(window) >= (most := limit.value()):
            wait = max(1, int(WINDOW_SECONDS - (now - window[0])) + 1)
            raise refuse(
                429,
                f"you have made {len(window)} {limit.what.split(' per ')[0]} in the last minute; the limit is "
                f"{most} ({limit.env}): try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
    for _, window in windows:
        window.append(now)


async def _recount(user: str) -> None:
    """Count the items the user keeps (up to just past the limit), a page of keys' items at a time."""
    most, count = limits.STORE_ITEMS.value(), 0
    store = get_client().store  # in-process, as the server: no auth handler, no quota
    try:
        while count <= most:
            page = (await store.search_items(list(space(user).everything), limit=PAGE, offset=count))["items"]
            count += len(page)
            if len(page) < PAGE:
                break
        _counted[user] = (time.monotonic(), count + _since.pop(user, 0))
    finally:
        _recounting.discard(user)


def _items(user: str) -> int:
    """How many items the user keeps, as last counted plus the puts since. The count is made again in the
    background once it is ``RECOUNT_SECONDS`` old, one count per user at a time; until the first count ends, the
    puts counted so far."""
    counted_at, count = _counted.get(user, (0.0, 0))
    if time.monotonic() - counted_at >= RECOUNT_SECONDS and user not in _recounting:
        _recounting.add(user)
        _since[user] = 0
        task = asyncio.create_task(_recount(user))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)
    return count + _since.get(user, 0)


async def charge_put(user: str, embedded: bool) -> None:
    """Count a put of ``user``'s through the store API, or raise the 429 or 413 the caller sees."""
    if _server_work.get():
        return
    kept = _items(user)
    if kept >= (most := limits.STORE_ITEMS.value()):
        raise refuse(
            413,
            f"you keep {kept:,} items in the store; the limit is {most:,} ({limits.STORE_ITEMS.env}): "
            "delete some first",
        )
    _charge(user, embedded)
    if user in _since:
        _since[user] += 1  # a new key, or a replaced one: counted as new until the next count
    else:
        counted_at, count = _counted.get(user, (0.0, 0))
        _counted[user] = (counted_at, count + 1)
