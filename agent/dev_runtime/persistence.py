"""Keep `langgraph dev` saving what it holds (its in-memory runtime, langgraph-runtime-inmem 0.36.7).

That runtime writes its dicts to `.langgraph_api/` from a thread every 10 s, but:
- the thread forgets any dict that is empty when it looks (it tests the dict's truthiness), so a
  store still empty 10 s after the start was never saved again: memories written later were lost
  on a restart, and a store emptied by "forget everything" came back from the last file;
- each checkpointer the server makes for a run registers dicts of its own in place of the live
  ones, then drops them, so checkpoint history was never saved.
Every few seconds this registers the live dicts again and saves the empty ones itself. It only reads
the runtime's module attributes and calls its own registration function; on any other runtime (the
platform's Postgres) it does nothing.
"""

from __future__ import annotations

import asyncio
import logging

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 5.0


def live_dicts() -> list:
    """The runtime's persisted dicts that hold live data (none outside `langgraph dev`)."""
    try:
        from langgraph.checkpoint.memory import PersistentDict
        from langgraph_runtime_inmem import _persistence, checkpoint, database, store
    except ImportError:
        return []
    if _persistence.DISABLE_FILE_PERSISTENCE:
        return []
    candidates = [
        store.STORE._data,
        store.STORE._vectors,
        database.GLOBAL_STORE,
        database.GLOBAL_RETRY_COUNTER._counters,
    ]
    if checkpoint.MEMORY is not None:
        candidates += [checkpoint.MEMORY.storage, checkpoint.MEMORY.writes, checkpoint.MEMORY.blobs]
    return [d for d in candidates if isinstance(d, PersistentDict)]


def _save(dicts: list) -> None:
    for d in dicts:
        d.sync()


async def keep_persisting(interval: float = INTERVAL_SECONDS) -> None:
    """Until cancelled: re-register the live dicts with the runtime's flush thread; save the empty ones."""
    try:
        from langgraph_runtime_inmem import _persistence
    except ImportError:
        return
    while True:
        try:
            dicts = live_dicts()
            for d in dicts:
                _persistence.register_persistent_dict(d)
            if empty := [d for d in dicts if not d]:
                await asyncio.to_thread(_save, empty)
        except Exception:  # a runtime whose internals moved: persistence is then its own business
            logger.exception("could not keep the dev server's state persisted; giving up")
            return
        await asyncio.sleep(interval)
