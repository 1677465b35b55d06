"""Keep one caller's failing store operation from failing everyone's (`langgraph dev`'s in-memory runtime).

langgraph-runtime-inmem 0.36.7 hands every caller one batching store: all operations that arrive in
the same event-loop tick run as one batch, and when that batch fails, every operation in it gets the
error — other users' puts, a memory writer's save, the revocation lookup of authentication. And the
in-memory store's index fails any batch that embeds one text twice ("Number of embeddings (1) does
not match number of indices (2)"): two users saving the same fact at the same moment, or a value
whose ``context`` repeats its ``content``.

``isolate_operations`` makes each store call its own batch (``agent.stores.unbatched``), and lets one
embedding serve every place its text was asked for. It only touches the runtime's module attributes; on
any other runtime (the platform's Postgres, or a ``store.path`` store) it does nothing. The auth handlers
refuse what would fail a batch on any store (agent/server/auth.py).
"""

from __future__ import annotations

from agent.stores.unbatched import OneCallOneBatch


def _insert_vectors(store, to_embed: dict[str, list[tuple]], embeddings: list[list[float]]) -> None:
    """The store's vector insert, with one embedding for each distinct text, however many places hold it."""
    if len(to_embed) != len(embeddings):
        raise ValueError(f"{len(embeddings)} embeddings for {len(to_embed)} texts")
    for embedding, places in zip(embeddings, to_embed.values(), strict=True):
        for namespace, key, path in places:
            store._vectors[namespace][key][path] = embedding


def isolate_operations() -> bool:
    """Install the above in the running `langgraph dev`; False where there is no such runtime."""
    try:
        from langgraph_runtime_inmem import store as runtime
    except ImportError:
        return False
    if not hasattr(runtime, "STORE") or not callable(getattr(runtime, "Store", None)):
        return False

    def one_call_one_batch(*args, **kwargs) -> OneCallOneBatch:
        current = runtime.STORE  # the runtime re-creates it when it reads the config
        if "_insertinmem_store" not in vars(current):
            current._insertinmem_store = lambda to_embed, embeddings: _insert_vectors(current, to_embed, embeddings)
        return OneCallOneBatch(current)

    runtime.Store = one_call_one_batch
    return True
