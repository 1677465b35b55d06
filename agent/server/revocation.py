"""Per-user token revocation, kept in the server's Store where clients cannot reach it.

Revoking a user records "now" under ("auth", <user>) / "tokens"; from then on the server refuses
every token of that user issued earlier (its ``iat`` claim). The store API's auth handler only lets
clients reach ("memory", <themselves>, ...), so only the server reads or writes this record. Each
replica caches a record for CACHE_SECONDS: a revocation takes effect at once on the replica that
made it and within that time everywhere else.
"""

from __future__ import annotations

import time

from langgraph_sdk import get_client

from agent.stores.layout import space

KEY = "tokens"
CACHE_SECONDS = 5.0

_cache: dict[str, tuple[float, float]] = {}  # user -> (read at, revoked before)


async def revoked_before(user_id: str) -> float:
    """The time before which ``user_id``'s tokens are refused (0 when never revoked)."""
    cached = _cache.get(user_id)
    now = time.monotonic()
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    item = await get_client().store.get_item(list(space(user_id).auth), KEY)  # in-process: no auth handlers
    value = float((item or {}).get("value", {}).get("revoked_before", 0.0))
    _cache[user_id] = (now, value)
    return value


async def revoke(user_id: str) -> float:
    """Refuse every token of ``user_id`` issued until now; returns that time."""
    moment = time.time()
    await get_client().store.put_item(list(space(user_id).auth), KEY, {"revoked_before": moment}, index=False)
    _cache[user_id] = (time.monotonic(), moment)
    return moment
