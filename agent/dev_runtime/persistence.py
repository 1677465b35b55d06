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

The flush also pickles the store whole every 10 s, changed or not: 0.24 s at 10,000 episodes, 7.65 s at
100,000 (bench/scale.py), holding the interpreter. So the store's dicts are saved only when a write
reached the store since they were last saved: an idle server no longer spends that time.

And for every run, state read and update, the runtime makes a checkpointer of its own whose dicts first load
every thread's checkpoints from those files, only to be replaced by the live dicts: once the files hold
something (which this module sees to), each request unpickled them all (59 ms beside 24 full threads, and the
server's memory grew with every thread filled: bench/abuse_memory.py). Those throwaway checkpointers are made
without file persistence (``light_checkpointers``): they load nothing, register nothing, and use the live dicts.
"""

from __future__ import annotations

import asyncio
import logging

from langgraph.store.base import PutOp

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


class _Writes:
    """How many store calls that write have completed (puts and deletes)."""

    completed = 0


def count_writes(store) -> bool:
    """Count the writes of this store object (once): after each batch with a put or delete has run. False
    when they cannot be counted (a store without instance attributes): its dicts must then always be saved."""
    if not hasattr(store, "__dict__"):
        return False
    if vars(store).get("_counts_writes"):
        return True
    batch, abatch = store.batch, store.abatch

    def counted(ops) -> list:
        ops = list(ops)
        try:
            return batch(ops)
        finally:
            if any(isinstance(op, PutOp) for op in ops):
                _Writes.completed += 1

    async def acounted(ops) -> list:
        ops = list(ops)
        try:
            return await abatch(ops)
        finally:
            if any(isinstance(op, PutOp) for op in ops):
                _Writes.completed += 1

    store.batch, store.abatch, store._counts_writes = counted, acounted, True
    return True


def save_only_when_written(d) -> None:
    """Make this store dict's ``sync`` (the flush's call) write the file only when a write completed since it
    last did. The count is read before pickling: a write landing meanwhile is saved by the next flush."""
    if vars(d).get("_saves_when_written"):
        return
    sync, saved = d.sync, [-1]  # the first flush saves: a write may have come before these were installed

    def sync_when_written() -> None:
        seen = _Writes.completed
        if seen != saved[0]:
            sync()
            saved[0] = seen

    d.sync, d._saves_when_written = sync_when_written, True


def _store_dicts() -> list:
    """The runtime's store and its two persisted dicts (none outside `langgraph dev`)."""
    try:
        from langgraph_runtime_inmem import store
    except ImportError:
        return []
    return [store.STORE, store.STORE._data, store.STORE._vectors]


def _save(dicts: list) -> None:
    for d in dicts:
        d.sync()


def light_checkpointers() -> bool:
    """Make the runtime's per-request checkpointers load no file (they take the live dicts anyway). False on
    another runtime, or when it is installed already."""
    try:
        from langgraph_runtime_inmem import checkpoint
    except ImportError:
        return False
    made = checkpoint.Checkpointer
    if getattr(made, "_light", False):
        return False

    def lightly(*args, unpack_hook=None, **kwargs):
        if unpack_hook is None or checkpoint.MEMORY is None:
            return made(*args, unpack_hook=unpack_hook, **kwargs)
        persistence = checkpoint.DISABLE_FILE_PERSISTENCE
        checkpoint.DISABLE_FILE_PERSISTENCE = True  # read by InMemorySaver.__init__: plain dicts, no load
        try:
            return made(*args, unpack_hook=unpack_hook, **kwargs)
        finally:
            checkpoint.DISABLE_FILE_PERSISTENCE = persistence

    lightly._light = True  # type: ignore[attr-defined]  # a marker on the function: installed once
    checkpoint.Checkpointer = lightly
    return True


async def keep_persisting(interval: float = INTERVAL_SECONDS) -> None:
    """Until cancelled: re-register the live dicts with the runtime's flush thread; save the empty ones."""
    try:
        from langgraph_runtime_inmem import _persistence
    except ImportError:
        return
    light_checkpointers()
    while True:
        try:
            dicts = live_dicts()
            if (found := _store_dicts()) and any(d is found[1] for d in dicts) and count_writes(found[0]):
                for d in found[1:]:
                    save_only_when_written(d)
            for d in dicts:
                _persistence.register_persistent_dict(d)
            if empty := [d for d in dicts if not d]:
                await asyncio.to_thread(_save, empty)
        except Exception:  # a runtime whose internals moved: persistence is then its own business
            logger.exception("could not keep the dev server's state persisted; giving up")
            return
        await asyncio.sleep(interval)
