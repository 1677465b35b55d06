"""The Postgres store's vector index: IVFFlat, its lists learned from the rows and relearned as they grow.

Why not HNSW: questions sit far from every stored fact (cosine distance 0.5-0.7) and the facts lie in tight
clusters; at 100,000 memories of one user beside 100,000 of other users, an HNSW walk at pgvector's largest
`hnsw.ef_search` never reached needles that were the nearest rows of the whole table (17/40 found, exact 26/40).
IVFFlat reads whole lists, so what it reads it ranks exactly: 24 to 26 of the 26 at 100 probes of 447 lists
(k-means varies from build to build), at the price of reading a fifth of the table (search and re-rank p95
73-80 ms here, against HNSW's 29 ms).

IVFFlat learns its lists (k-means centres) from the rows present when it is built. langgraph's store creates
it at setup, on an empty table, with ``SETUP_LISTS`` random centres: while the table is small, probing
``PROBES`` of them comes close to an exact search. Once rows accumulate, ``rebuild_index`` relearns the lists
from the data with ``lists_for(rows)`` of them (built concurrently beside the old index, then swapped in: reads
and writes go on meanwhile).
The server logs a warning at start when a rebuild is due. Run it after a bulk import, or now and then:

    python -m agent.stores.postgres_index [--uri postgresql://...]   # default: STORE_DATABASE_URI, DATABASE_URI
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, AsyncCursor
from psycopg.rows import tuple_row

from agent.stores.postgres_uri import store_uri

INDEX_NAME = "store_vectors_embedding_idx"  # the name langgraph's store gives its vector index
SETUP_LISTS = 100
PROBES = 100
"""Lists read per query, unless the server's ``STORE_IVFFLAT_PROBES`` says otherwise. The share of the rows read
is what finds far-off answers: of the 26 needles an exact search finds among 200,000 rows, 100 of 447 lists
found 24-26 (k-means varies from build to build), 70 found 24-25, 60 found 23-24."""
REBUILD_FACTOR = 2  # a rebuild is due when the index has this many times fewer lists than the rows call for


@dataclass(frozen=True)
class IndexState:
    vectors: int  # rows of store_vectors
    kind: str  # the index's access method: "ivfflat", or "hnsw" where an earlier version of this project set it up
    lists: int | None = None  # lists of an IVFFlat index

    @property
    def rebuild_due(self) -> bool:
        return self.kind != "ivfflat" or (self.lists or 0) * REBUILD_FACTOR <= lists_for(self.vectors)


def lists_for(vectors: int) -> int:
    """How many lists an index over ``vectors`` rows should have: √rows, never fewer than at setup. (pgvector
    advises rows / 1000 below a million rows: at 200,000 rows, 200 lists found fewer needles than 447 for
    the same time.)"""
    return max(SETUP_LISTS, round(math.sqrt(vectors)))


async def index_state(connection: AsyncConnection[Any], *, estimate: bool = False) -> IndexState:
    """The row count of the vector table, and its index's kind and lists.

    ``estimate``: take the planner's row count (kept by ANALYZE and autovacuum, free to read) instead of
    counting, which reads the whole table; it counts when the table has never been analysed."""
    async with connection.cursor(row_factory=tuple_row) as cursor:  # whatever the connection's own rows are
        await cursor.execute(
            "SELECT t.reltuples, am.amname, c.reloptions FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
            "JOIN pg_index i ON i.indexrelid = c.oid JOIN pg_class t ON t.oid = i.indrelid WHERE c.relname = %s",
            (INDEX_NAME,),
        )
        row = await cursor.fetchone()
        if row is None:
            raise LookupError(f"no index {INDEX_NAME}: has the store been set up?")
        planned, kind, options = row
        if estimate and planned >= 0:
            vectors = round(planned)
        else:
            await cursor.execute("SELECT count(*) FROM store_vectors")
            (vectors,) = await _one(cursor)
    lists = dict(option.split("=", 1) for option in options or []).get("lists")
    return IndexState(vectors, kind, int(lists) if lists else (SETUP_LISTS if kind == "ivfflat" else None))


async def _one(cursor: AsyncCursor[Any]) -> Any:
    """The one row a statement that always returns one row returned."""
    row = await cursor.fetchone()
    if row is None:
        raise LookupError("the statement returned no row")
    return row


async def rebuild_index(uri: str) -> tuple[IndexState, IndexState]:
    """Build the index anew, its lists learned from the rows (``lists_for``), and swap it in; the state before
    and after. Reads and writes go on meanwhile. An HNSW index (an earlier version's) is replaced the same way."""
    building = f"{INDEX_NAME}_rebuild"
    async with await AsyncConnection.connect(uri, autocommit=True) as connection:
        before = await index_state(connection)
        cursor = await connection.execute(
            "SELECT opc.opcname FROM pg_index i JOIN pg_opclass opc ON opc.oid = i.indclass[0] "
            "WHERE i.indexrelid = %s::regclass",
            (INDEX_NAME,),
        )
        (operators,) = await _one(cursor)  # vector_cosine_ops, as langgraph's store chose it
        await connection.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {building}")  # an interrupted rebuild's
        await connection.execute(
            f"CREATE INDEX CONCURRENTLY {building} ON store_vectors USING ivfflat (embedding {operators}) "
            f"WITH (lists = {lists_for(before.vectors):d})"
        )
        async with connection.transaction():
            await connection.execute(f"DROP INDEX {INDEX_NAME}")
            await connection.execute(f"ALTER INDEX {building} RENAME TO {INDEX_NAME}")
        return before, await index_state(connection)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uri", help="the store's database (default: STORE_DATABASE_URI, then DATABASE_URI)")
    uri = parser.parse_args().uri or store_uri()
    started = time.perf_counter()
    before, after = asyncio.run(rebuild_index(uri))
    print(
        f"{INDEX_NAME}: {after.vectors:,} rows, {before.kind} {before.lists or ''} -> "
        f"{after.kind} {after.lists} lists, "
        f"rebuilt in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
