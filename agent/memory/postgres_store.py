"""The Store on PostgreSQL + pgvector: langgraph's `AsyncPostgresStore`, this project's index, tuned search.

The index is the one `langgraph.json` declares (the offline MiniLM embedder, 384 dims, fields `content` and
`context`), kept in pgvector with an HNSW index on cosine distance.

Why the pool's connections are configured: the store's vector search asks for the ``limit × fields × 2 + 1``
rows nearest to the query, ordered by distance, and keeps those in the caller's namespace. Postgres walks
the HNSW index first and filters by namespace after, and an HNSW scan yields at most ``hnsw.ef_search``
rows (40 by default): when other users' rows are nearer, one user's candidates are cut short, often to
none. With ``hnsw.iterative_scan`` the scan resumes until enough rows pass the filter (up to
``hnsw.max_scan_tuples``), and a larger ``hnsw.ef_search`` makes each step of it closer to exact.
`bench/scale.py --store postgres --explain` prints the query's plan.

`langgraph.pg.json` serves this store through `store.path` (``server_store``).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from langgraph.store.postgres import AsyncPostgresStore
from langgraph.store.postgres.base import PostgresIndexConfig
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from agent.memory.embeddings import DIMS, embed
from agent.memory.unbatched import OneCallOneBatch

INDEXED_FIELDS = ["content", "context"]
INDEX: PostgresIndexConfig = {
    "dims": DIMS,
    "embed": embed,
    "fields": INDEXED_FIELDS,
    # A denser graph than pgvector's default (m=16, ef_construction=64): questions sit far from every
    # stored fact, and the greedy search needs more paths to reach the few that answer them.
    "ann_index_config": {"kind": "hnsw", "m": 32, "ef_construction": 128},
    "distance_type": "cosine",
}
SEARCH_SETTINGS: dict[str, str] = {
    "hnsw.iterative_scan": "relaxed_order",  # keep scanning until enough rows pass the namespace filter
    "hnsw.ef_search": "1000",  # candidates per step of the scan: pgvector's maximum (its default: 40)
}
"""Session settings of every pooled connection (see the module's docstring)."""
EXACT_SEARCH: dict[str, str] = {"enable_indexscan": "off"}
"""Settings that make the same query an exact (sequential) cosine search, for comparisons."""
STORE_URI_ENVS = ("STORE_DATABASE_URI", "DATABASE_URI")
"""Where the server's store lives: its own URI if set, else the runtime's database (`langgraph-runtime-pg`).
`langgraph dev` sets DATABASE_URI to ':memory:' for itself, so a dev server needs STORE_DATABASE_URI."""


def _configure(settings: Mapping[str, str]):
    async def configure(connection: AsyncConnection) -> None:
        for name, value in settings.items():
            await connection.execute("SELECT set_config(%s, %s, false)", (name, value))

    return configure


@asynccontextmanager
async def postgres_store(
    uri: str,
    *,
    settings: Mapping[str, str] = SEARCH_SETTINGS,
    index: PostgresIndexConfig = INDEX,
    max_connections: int = 10,
    setup: bool = True,
) -> AsyncIterator[AsyncPostgresStore]:
    """An `AsyncPostgresStore` over a pool of ``uri`` connections carrying ``settings``; tables set up."""
    pool = AsyncConnectionPool(
        uri,
        min_size=1,
        max_size=max_connections,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        configure=_configure(settings),
        open=False,
    )
    async with pool:
        store = AsyncPostgresStore(pool, index=index)
        if setup:
            await store.setup()
        yield store


@asynccontextmanager
async def server_store() -> AsyncIterator[OneCallOneBatch]:
    """The server's store (`store.path` in langgraph.pg.json), embedder loaded; see ``STORE_URI_ENVS``.

    Each call is its own batch (``agent.memory.unbatched``): one caller's call that Postgres refuses fails
    alone, not every call that arrived with it."""
    uri = next((os.environ[name] for name in STORE_URI_ENVS if os.environ.get(name, ":memory:") != ":memory:"), None)
    if not uri:
        raise RuntimeError(f"the Postgres store needs a database: set {' or '.join(STORE_URI_ENVS)}")
    await asyncio.to_thread(embed.load)  # at server start, not on the first turn
    async with postgres_store(re.sub(r"^postgres(?:ql)?(?:\+\w+)?://", "postgresql://", uri)) as store:
        yield OneCallOneBatch(store)
