"""The Store on PostgreSQL + pgvector: langgraph's `AsyncPostgresStore`, this project's index, tuned search.

The index is the one `langgraph.json` declares (the offline MiniLM embedder, 384 dims, fields `content` and
`context`), kept in pgvector with an IVFFlat index on cosine distance (why, and how its lists are kept up to
date: `agent.stores.postgres_index`).

Why the pool's connections are configured: the store's vector search asks for the ``limit × fields × 2 + 1``
rows nearest to the query, ordered by distance, and keeps those in the caller's namespace. Postgres scans
the vector index first and filters by namespace after: with pgvector's defaults it reads one list of the
index, and when other users' rows fill it, one user's candidates are cut short, often to none. The pool
reads ``PROBES`` lists and, with ``ivfflat.iterative_scan``, more until enough rows pass the filter. The
statement is prepared (psycopg), and Postgres's generic plan for it, blind to its parameters, reads a large
user's rows by namespace and sorts them all instead of using the index: each call is planned for its own
parameters instead (which also gives a user with few memories an exact search).
`bench/scale.py --store postgres --explain` prints the query's plan.

`langgraph.pg.json` serves this store through `store.path` (``server_store``); ``PROBES_ENV`` sets its probes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from langgraph.store.postgres import AsyncPostgresStore
from langgraph.store.postgres.base import IVFFlatConfig, PostgresIndexConfig
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from agent.stores.embeddings import DIMS, embed
from agent.stores.exact_prefix import ExactPrefixes
from agent.stores.postgres_index import PROBES, SETUP_LISTS, index_state
from agent.stores.postgres_uri import store_uri

INDEXED_FIELDS = ["content", "context"]
ANN_INDEX: IVFFlatConfig = {"kind": "ivfflat", "nlist": SETUP_LISTS}
INDEX: PostgresIndexConfig = {
    "dims": DIMS,
    "embed": embed,
    "fields": INDEXED_FIELDS,
    "ann_index_config": ANN_INDEX,  # type: ignore[typeddict-item]  # typed as ANNIndexConfig; its IVFFlatConfig fits
    "distance_type": "cosine",
}
SEARCH_SETTINGS: dict[str, str] = {
    "ivfflat.probes": str(PROBES),  # lists read per query (pgvector's default: 1)
    "ivfflat.iterative_scan": "relaxed_order",  # read more lists until enough rows pass the namespace filter
    "plan_cache_mode": "force_custom_plan",  # plan each prepared search for its own query vector
    # An HNSW index an earlier version set up, until it is rebuilt: keep walking until enough rows pass.
    "hnsw.iterative_scan": "relaxed_order",
    "hnsw.ef_search": "1000",
}
"""Session settings of every pooled connection (see the module's docstring)."""
PROBES_ENV = "STORE_IVFFLAT_PROBES"
"""Lists each search reads, in place of ``PROBES``: fewer is faster and finds fewer far-off answers (README)."""
MAX_PROBES = 32_768  # pgvector's limit for ivfflat.probes
EXACT_SEARCH: dict[str, str] = {"enable_indexscan": "off"}
"""Settings that make the same query an exact (sequential) cosine search, for comparisons."""
log = logging.getLogger(__name__)


def search_settings(probes: int = PROBES) -> dict[str, str]:
    """``SEARCH_SETTINGS`` reading ``probes`` lists per search."""
    return {**SEARCH_SETTINGS, "ivfflat.probes": str(probes)}


def server_search_settings() -> dict[str, str]:
    """``SEARCH_SETTINGS``, with the lists read per search taken from ``PROBES_ENV`` when it is set."""
    value = os.environ.get(PROBES_ENV, "").strip()
    if not value:
        return search_settings()
    if not re.fullmatch(r"[0-9]{1,6}", value) or not 1 <= int(value) <= MAX_PROBES:
        raise ValueError(f"{PROBES_ENV} must be a whole number of lists from 1 to {MAX_PROBES}, not {value!r}")
    return search_settings(int(value))


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


def pool_of(store: AsyncPostgresStore) -> AsyncConnectionPool[Any]:
    """The connection pool of a store ``postgres_store`` made."""
    if not isinstance(store.conn, AsyncConnectionPool):
        raise TypeError("the store was not made by postgres_store: it has no connection pool")
    return store.conn


@asynccontextmanager
async def server_store() -> AsyncIterator[ExactPrefixes]:
    """The server's store (`store.path` in langgraph.pg.json), embedder loaded; see ``STORE_URI_ENVS``.

    Each call is its own batch (``agent.stores.unbatched``): one caller's call that Postgres refuses fails
    alone, not every call that arrived with it; and a search never answers outside the namespace asked for
    (``agent.stores.exact_prefix``: the replicas' store version matches prefixes with an unescaped LIKE)."""
    uri, settings = store_uri(), server_search_settings()
    await asyncio.to_thread(embed.load)  # at server start, not on the first turn
    async with postgres_store(uri, settings=settings) as store:
        async with pool_of(store).connection() as connection:
            state = await index_state(connection, estimate=True)  # no full count at each start
        if state.rebuild_due:
            log.warning(
                "the store's vector index (%s, %s lists) does not suit its %s rows: run "
                "`python -m agent.stores.postgres_index` to rebuild it from the data",
                state.kind,
                state.lists or "no",
                state.vectors,
            )
        yield ExactPrefixes(store)
