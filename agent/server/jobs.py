"""Long work for one user, off the request that asked for it: adding their earlier chats to their episodes.

A request starts the job and is answered at once (202); the job runs on this replica, as the user (the auth
handlers apply to every call it makes), and writes its progress to ("memory", <user>, "jobs") after each
chat, where any replica reads it for the page and the command line. One job per user at a time, across
replicas: a second start while one runs is 409, unless the running one has not reported for
``STALE_SECONDS`` (its replica went away). What the job writes is the server's work for the user, so the
store's per-user write quota does not apply to it (`agent.server.store_quota`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from langgraph_sdk.client import LangGraphClient

from agent.memory.manage import admin, backfill
from agent.server import store_quota
from agent.stores.layout import space

logger = logging.getLogger(__name__)
ADD_EARLIER_CHATS = "add-earlier-chats"
STALE_SECONDS = 120
_tasks: set[asyncio.Task] = set()  # the jobs running here (held, so they are not collected mid-way)


class JobRunning(admin.BadMemoryRequest):
    status = 409


def _where(user: str) -> list[str]:
    return list(space(user).jobs)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


async def progress(client: LangGraphClient, user: str) -> dict:
    """The user's latest job of adding earlier chats: {"state": "none" | "running" | "done" | "failed", ...}."""
    item = await client.store.get_item(_where(user), ADD_EARLIER_CHATS)
    return dict(item["value"]) if item and isinstance(item.get("value"), dict) else {"state": "none"}


def _running(report: dict) -> bool:
    if report.get("state") != "running":
        return False
    try:
        last = datetime.fromisoformat(str(report.get("updated_at")))
    except ValueError:
        return False
    return (datetime.now(UTC) - last).total_seconds() < STALE_SECONDS


async def start_adding_earlier_chats(
    client: LangGraphClient, user: str, threads: list[str] | None, retention_days: int | None
) -> dict:
    """Start adding the user's earlier chats (``threads``, default all) in the background; its first report."""
    if _running(await progress(client, user)):
        raise JobRunning("your earlier chats are being added already; this adds nothing until that is done")
    report = {"state": "running", "started_at": _now(), "updated_at": _now(), "threads_total": None}
    await _report(client, user, report)

    async def told(done: backfill.Backfilled, total: int) -> None:
        await _report(client, user, {**report, **done.as_dict(), "threads_total": total, "updated_at": _now()})

    async def run() -> None:
        with store_quota.server_work():
            try:
                done = await backfill.backfill(client, user, threads, retention_days, progress=told)
            except Exception as error:  # said to the user on the page; the exchanges added so far stay
                logger.exception("adding %s's earlier chats failed", user)
                failed = {**report, "state": "failed", "error": f"{type(error).__name__}: {error}"[:300]}
                await _report(client, user, {**failed, "updated_at": _now()})
                return
            finished = {**report, **done.as_dict(), "state": "done", "threads_total": done.threads}
            await _report(client, user, {**finished, "updated_at": _now()})

    task = asyncio.create_task(run())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return report


async def _report(client: LangGraphClient, user: str, report: dict) -> None:
    with store_quota.server_work():
        await client.store.put_item(_where(user), ADD_EARLIER_CHATS, report, index=False)
