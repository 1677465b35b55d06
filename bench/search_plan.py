"""The plan of the Postgres store's vector search: the statement `asearch` runs, under EXPLAIN ANALYZE.

The statement is captured from the store itself (a cursor that records what it executes), so the plan
is that of langgraph's own query, not of a copy of it; the query vector is elided from the output.
"""

from __future__ import annotations

import re
from typing import Any, Self

from langgraph.store.postgres import AsyncPostgresStore
from psycopg import AsyncCursor

from agent.stores.postgres import pool_of

_VECTOR = re.compile(r"'[\[{][-0-9.e, ]+[\]}]'")


async def explain_search(store: AsyncPostgresStore, namespace: tuple[str, ...], query: str, limit: int = 10) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of ``store.asearch(namespace, query=query, limit=limit)`` on a pooled connection."""
    statements: list[tuple[str, object]] = []

    class Recording(AsyncCursor):
        async def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Self:
            statements.append((query, params))
            return await super().execute(query, params, **kwargs)

    async with pool_of(store).connection() as connection:  # carries the pool's session settings
        connection.cursor_factory = Recording
        try:
            await AsyncPostgresStore(connection, index=store.index_config).asearch(namespace, query=query, limit=limit)
        finally:
            connection.cursor_factory = AsyncCursor
        statement, params = statements[-1]
        cursor = await connection.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {statement}", params)
        plan = "\n".join(row["QUERY PLAN"] for row in await cursor.fetchall())
    return _VECTOR.sub("'[query vector]'", plan)
