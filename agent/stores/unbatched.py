"""A store whose every call is a batch of its own, so that one caller's failing call fails alone.

Stores built on langgraph's batching (the Postgres store, the dev server's in-memory store) run the
calls that arrive in the same event-loop tick as one batch, and when it fails, every call in it gets
the error: other users' puts and searches, a memory writer's save, authentication's revocation lookup.
The server's store is wrapped in this (agent/stores/postgres.py, agent/dev_runtime/store_isolation.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from langgraph.store.base import BaseStore, Op, Result


class OneCallOneBatch(BaseStore):
    """``store``, with each call its own batch (BaseStore's aget/aput/asearch/... each call abatch once)."""

    # TTLs pass through to the wrapped store (the in-memory one accepts them and does not expire items).
    supports_ttl = True

    def __init__(self, store: BaseStore) -> None:
        self.store = store

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        return self.store.batch(ops)

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return await self.store.abatch(ops)

    async def start_ttl_sweeper(self) -> asyncio.Task[None]:
        """The wrapped store's sweeper (Postgres, the dev runtime's store), or a task that ends at once."""
        sweeper = getattr(self.store, "start_ttl_sweeper", None)
        return await sweeper() if sweeper is not None else asyncio.create_task(asyncio.sleep(0))

    def close(self) -> None:
        close = getattr(self.store, "close", None)
        if close is not None:
            close()

    def __repr__(self) -> str:
        return f"OneCallOneBatch({self.store!r})"
