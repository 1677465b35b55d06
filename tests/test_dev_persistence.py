"""The dev server's flush saves its store only after a write: an idle server does not pickle it again."""

from __future__ import annotations

from langgraph.checkpoint.memory import PersistentDict
from langgraph.store.memory import InMemoryStore

from agent.dev_runtime.persistence import count_writes, save_only_when_written


class _Store(InMemoryStore):
    """As the dev runtime's store: a subclass, with instance attributes."""


class _CountedDict(PersistentDict):
    saves = 0

    def sync(self) -> None:
        type(self).saves += 1
        super().sync()


async def test_the_store_is_saved_after_puts_and_deletes_and_not_after_reads(tmp_path):
    assert count_writes(InMemoryStore()) is False, "a store it cannot wrap: its dicts stay saved every flush"
    store, saved = _Store(), _CountedDict(dict, filename=str(tmp_path / "store.pckl"))
    assert count_writes(store) and count_writes(store)  # installing twice changes nothing
    save_only_when_written(saved)

    def flush() -> int:
        before = _CountedDict.saves
        saved.sync()
        return _CountedDict.saves - before

    assert flush() == 1 and flush() == 0, "saved once (a write may have preceded the wrapper), then not again"
    await store.aput(("memory", "u"), "k", {"content": "x"})
    assert flush() == 1 and flush() == 0, "saved once after a write"
    await store.aget(("memory", "u"), "k")
    await store.asearch(("memory",))
    store.get(("memory", "u"), "k")
    assert flush() == 0, "reads write nothing"
    store.delete(("memory", "u"), "k")
    assert flush() == 1, "a delete is a write"
    assert (tmp_path / "store.pckl").exists()


def test_the_runtimes_per_request_checkpointers_load_no_file(monkeypatch):
    """The dev runtime makes a checkpointer per run, state read and update; its dicts loaded every thread's
    checkpoints from disk before the live ones replaced them. Made through the patch, they load nothing."""
    import sys
    import types

    from agent.dev_runtime.persistence import light_checkpointers

    seen: list[bool] = []
    runtime = types.ModuleType("langgraph_runtime_inmem")
    checkpoint = types.ModuleType("langgraph_runtime_inmem.checkpoint")
    checkpoint.MEMORY = object()  # type: ignore[attr-defined]  # a fake of the runtime's module
    checkpoint.DISABLE_FILE_PERSISTENCE = False  # type: ignore[attr-defined]  # a fake of the runtime's module

    def made(*args, unpack_hook=None, **kwargs):
        seen.append(checkpoint.DISABLE_FILE_PERSISTENCE)
        return "saver"

    checkpoint.Checkpointer = made  # type: ignore[attr-defined]  # a fake of the runtime's module
    runtime.checkpoint = checkpoint  # type: ignore[attr-defined]  # a fake of the runtime's package
    monkeypatch.setitem(sys.modules, "langgraph_runtime_inmem", runtime)
    monkeypatch.setitem(sys.modules, "langgraph_runtime_inmem.checkpoint", checkpoint)
    assert light_checkpointers() and not light_checkpointers(), "installed once"
    checkpoint.Checkpointer(unpack_hook=lambda *a: None)
    checkpoint.Checkpointer()
    assert seen == [True, False] and checkpoint.DISABLE_FILE_PERSISTENCE is False
