"""The memory page: a user sees, edits and deletes what the bot remembers, sees a memory's history and
restores a version, or has it forget everything.

Served by the LangGraph server itself (`http.app` in langgraph.json). The page is static (`page/`):
its script keeps the user's token in the tab's sessionStorage and calls the JSON API below with it
as a bearer header, behind the same auth as the rest of the API (`http.enable_custom_route_auth`).
There is no cookie: browsers send cookies to every port of a host, so a cookie session could be
read or planted by any other service on the same host, and driven by any page (CSRF).

The API's calls to the server run under the caller's identity (langgraph-api's `with_user`, as its
own routes do), so the auth handlers filter them exactly as they filter the caller's token.
The app's middleware (`agent.server.route_guard`) guards every route of the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx
from langgraph_api.utils import (
    with_user,  # pinned in pyproject.toml; tests/test_attacks.py checks it
)
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agent.dev_runtime import persistence, store_isolation, thread_search
from agent.memory.kinds import STORED_KINDS
from agent.memory.manage import admin, backfill, controls, export, receipts
from agent.memory.records import episodes
from agent.server import jobs, revocation
from agent.server.route_guard import RouteGuard
from agent.stores import embeddings

logger = logging.getLogger(__name__)
PAGE_DIR = Path(__file__).parent / "page"
MAX_BODY_BYTES = 64 * 1024
# The page runs its own script only, talks to this origin only, and is never framed (clickjacking).
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_PAGE = (PAGE_DIR / "memories.html").read_bytes()
_SCRIPT = (PAGE_DIR / "memories.js").read_bytes()


def _user(request: Request) -> str | None:
    user = request.scope.get("user")
    if user is not None and getattr(user, "is_authenticated", False):
        return user.identity
    return None


@contextlib.asynccontextmanager
async def _as_caller(request: Request) -> AsyncIterator[LangGraphClient]:
    """The in-process SDK client, its calls made as the signed-in caller (auth handlers apply)."""
    async with with_user(request.scope.get("user"), request.scope.get("auth")):
        yield get_client()


async def page(request: Request) -> Response:
    return Response(_PAGE, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


async def script(request: Request) -> Response:
    return Response(_SCRIPT, media_type="text/javascript; charset=utf-8", headers=PAGE_HEADERS)


def _api(handler):
    """JSON endpoints: signed-in callers only; a bad request is a 4xx that changed nothing."""

    async def endpoint(request: Request) -> Response:
        user = _user(request)
        if user is None:
            if not os.environ.get("LANGGRAPH_AUTH"):  # a server without auth (langgraph.local.json)
                detail = "this server has no sign-in, so the page cannot tell whose memories to show"
                return JSONResponse({"detail": detail, "no_auth": True}, status_code=401, headers=PAGE_HEADERS)
            return _error("sign in first", 401)
        try:
            async with _as_caller(request) as client:
                return JSONResponse(await handler(request, client, user), headers=PAGE_HEADERS)
        except admin.BadMemoryRequest as error:
            return _error(str(error), getattr(error, "status", 400))
        except RecursionError:  # a value nested past what can be checked and stored
            return _error("the body is nested too deeply", 400)
        except httpx.HTTPStatusError as error:  # the server refused one of the calls (a cap, a conflict)
            if not 400 <= error.response.status_code < 500:
                logger.exception("the memory page's %s failed", request.url.path)
                return _error("the server failed; nothing may have changed: try again", 502)
            return _error(_detail(error.response), error.response.status_code)
        except Exception:  # a well-formed answer still: an unanswered error resets the caller's connection
            logger.exception("the memory page's %s failed", request.url.path)
            return _error("the server failed on this request; try again", 500)

    return endpoint


def _error(detail: str, status: int) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=PAGE_HEADERS)


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail") or response.reason_phrase)
    except (ValueError, AttributeError):
        return response.reason_phrase


async def _json_body(request: Request, most: int = MAX_BODY_BYTES) -> object:
    """The request's JSON body (None when it is not JSON), at most ``most`` bytes, its length declared."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise admin.BadMemoryRequest("the body must be JSON (Content-Type: application/json)")
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > most:
        raise admin.BadMemoryRequest(f"the body must declare its length, at most {most:,} bytes")
    try:
        return await request.json()
    except (ValueError, RecursionError):
        return None


async def _json_field(request: Request, field: str, kind: type, shape: str):
    """``field`` of the request's JSON object body, of type ``kind``; BadMemoryRequest naming ``shape`` otherwise."""
    body = await _json_body(request)
    value = body.get(field) if isinstance(body, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise admin.BadMemoryRequest(f"the body must be JSON: {shape}")
    return value


@_api
async def list_items(request: Request, client: LangGraphClient, user: str) -> dict:
    deleted = {
        memory_type: [
            {"key": kept["key"], "last": kept["last"]}
            for kept in await admin.remembered_keys(client, user, memory_type)
            if kept["current"] is None
        ]
        for memory_type in STORED_KINDS
    }
    memories = await admin.list_memories(client, user)
    for memory_type, items in memories.items():
        words = await admin.sources(client, user, memory_type)
        quotes = await admin.current_quotes(client, user, memory_type)
        for item in items:
            item["said"] = words.get(item["key"], [])
            item["quotes"] = quotes.get(item["key"], [])
            item["facts"] = [fact.text for fact in STORED_KINDS[memory_type].facts(item["value"])]
    return {
        "user": user,
        "kinds": [kind.described() for kind in STORED_KINDS.values()],
        "memories": memories,
        "review": await admin.review_list(client, user),
        "deleted": deleted,
        "health": await admin.health_report(client, user),
        "threads": await client.threads.count(),  # the auth handlers scope this to the caller
    }


@_api
async def update_item(request: Request, client: LangGraphClient, user: str) -> dict:
    value = await _json_field(request, "value", dict, '{"value": {...}}')
    params = request.path_params
    value = await admin.update_memory(client, user, params["memory_type"], params["key"], value, source="page")
    return {"value": value}


@_api
async def delete_item(request: Request, client: LangGraphClient, user: str) -> dict:
    params = request.path_params
    await admin.delete_memory(client, user, params["memory_type"], params["key"], source="page")
    return {"deleted": params["key"]}


@_api
async def item_history(request: Request, client: LangGraphClient, user: str) -> dict:
    params = request.path_params
    versions = await admin.memory_history(client, user, params["memory_type"], params["key"])
    started: dict[str, str | None] = {}
    for version in versions:
        if (chat := version.get("chat_thread_id")) and chat not in started:
            started[chat] = await _chat_started(client, str(chat))
        if chat and started.get(chat):
            version["chat_started"] = started[chat]
    return {"versions": versions}


async def _chat_started(client: LangGraphClient, thread_id: str) -> str | None:
    """When the caller's chat thread began, or None when it is gone (or not the caller's)."""
    try:
        return str((await client.threads.get(thread_id))["created_at"])
    except httpx.HTTPStatusError:
        return None


@_api
async def restore_item(request: Request, client: LangGraphClient, user: str) -> dict:
    version = await _json_field(request, "version", int, '{"version": <number>}')
    params = request.path_params
    value = await admin.restore_memory(client, user, params["memory_type"], params["key"], version, source="page")
    return {"value": value}


@_api
async def decide_review(request: Request, client: LangGraphClient, user: str) -> dict:
    decision = await _json_field(request, "decision", str, '{"decision": "confirm" | "fix" | "discard", "text": ...}')
    text = None
    if decision == "fix":
        text = await _json_field(request, "text", str, '{"decision": "fix", "text": "<the fact in your words>"}')
    held = request.path_params["key"]
    return {"value": await admin.review_decide(client, user, held, decision, text, source="page")}


@_api
async def restore_at(request: Request, client: LangGraphClient, user: str) -> dict:
    at = await _json_field(request, "at", str, '{"at": "<ISO 8601 time>"}')
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        raise admin.BadMemoryRequest(f"a time is ISO 8601, like 2026-12-01T14:00 (got {at[:40]!r})") from None
    return await admin.restore_at(client, user, when, source="page")


@_api
async def list_episodes(request: Request, client: LangGraphClient, user: str) -> dict:
    offset = request.query_params.get("offset", "0")
    if not offset.isdigit() or len(offset) > 7:
        raise admin.BadMemoryRequest(f"offset is a whole number from 0 to {admin.MAX_OFFSET:,}")
    query = request.query_params.get("q", "").strip()[:200]
    return {"episodes": await admin.episode_list(client, user, offset=int(offset), query=query or None)}


@_api
async def delete_episode(request: Request, client: LangGraphClient, user: str) -> dict:
    await admin.delete_episode(client, user, request.path_params["key"])
    return {"deleted": request.path_params["key"]}


@_api
async def add_earlier_chats(request: Request, client: LangGraphClient, user: str) -> dict:
    threads = None
    if request.headers.get("content-length", "0") != "0":
        threads = await _json_field(request, "threads", list, '{"threads": ["<thread id>", ...]} (or no body)')
        if not threads or len(threads) > admin.PAGE or not all(isinstance(t, str) and len(t) <= 64 for t in threads):
            raise admin.BadMemoryRequest(f"threads must list 1 to {admin.PAGE} thread ids")
        for thread in threads:  # refused now (404 for another's), not later in the job
            await backfill.chat_thread(client, thread)
    # The retention is the server's. The job runs after this answer; its progress is read below.
    return await jobs.start_adding_earlier_chats(client, user, threads, episodes.retention_days())


@_api
async def adding_earlier_chats(request: Request, client: LangGraphClient, user: str) -> dict:
    return await jobs.progress(client, user)


@_api
async def export_everything(request: Request, client: LangGraphClient, user: str) -> dict:
    return await export.export_user(client, user)


@_api
async def forget(request: Request, client: LangGraphClient, user: str) -> dict:
    return await admin.forget_user(client, user)


@_api
async def read_controls(request: Request, client: LangGraphClient, user: str) -> dict:
    switch = await controls.read_switch(client, user)
    return {"switch": switch.as_dict(), "rules": await controls.rules(client, user)}


SWITCH_SETTINGS = {"on": (False, None), "off": (True, True), "off-unused": (True, False)}


@_api
async def set_switch(request: Request, client: LangGraphClient, user: str) -> dict:
    setting = await _json_field(request, "switch", str, '{"switch": "on" | "off" | "off-unused"}')
    if setting not in SWITCH_SETTINGS:
        raise admin.BadMemoryRequest('the switch is "on", "off" or "off-unused" (off, and answers do not use memory)')
    paused, use = SWITCH_SETTINGS[setting]
    return {"switch": (await controls.set_switch(client, user, paused=paused, use_while_paused=use)).as_dict()}


@_api
async def add_rule(request: Request, client: LangGraphClient, user: str) -> dict:
    topic = await _json_field(request, "topic", str, '{"topic": "anything about my health"}')
    key, covered = await controls.add_rule(client, user, topic, source="page")
    return {"key": key, "covered": [thing.as_dict() for thing in covered]}


@_api
async def forget_under_rule(request: Request, client: LangGraphClient, user: str) -> dict:
    body = await _json_body(request)
    topic = body.get("topic") if isinstance(body, dict) else None
    chosen = body.get("chosen") if isinstance(body, dict) else None
    if not isinstance(topic, str) or not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
        raise admin.BadMemoryRequest('the body must be JSON: {"topic": "...", "chosen": ["<id>", ...]}')
    # Found again here, and only what the rule covers is forgotten: never a list the caller made up.
    covered = [thing for thing in await controls.stored_under(client, user, topic) if thing.id in set(chosen)]
    return {"forgotten": await controls.forget_matching(client, user, covered, source="page")}


@_api
async def set_temporary_by_default(request: Request, client: LangGraphClient, user: str) -> dict:
    setting = await _json_field(request, "temporary_by_default", str, '{"temporary_by_default": "on" | "off"}')
    if setting not in ("on", "off"):
        raise admin.BadMemoryRequest('temporary_by_default is "on" or "off"')
    switch = await controls.set_switch(client, user, temporary_by_default=setting == "on")
    return {"switch": switch.as_dict()}


@_api
async def activity(request: Request, client: LangGraphClient, user: str) -> dict:
    return {"changes": await admin.recent_changes(client, user)}


@_api
async def answer_receipt(request: Request, client: LangGraphClient, user: str) -> dict:
    thread, message = request.query_params.get("thread", ""), request.query_params.get("message", "")
    if not thread or not message or len(thread) > 100 or len(message) > 200:
        raise admin.BadMemoryRequest("name the conversation and the message: ?thread=...&message=...")
    return await receipts.receipt_for(client, user, thread, message)


@_api
async def add_item(request: Request, client: LangGraphClient, user: str) -> dict:
    value = await _json_field(request, "value", dict, '{"value": {...the memory\'s fields}}')
    memory_type = request.path_params["memory_type"]
    return {"key": await admin.add_memory(client, user, memory_type, value, source="page")}


IMPORT_BODY_BYTES = 256 * 1024


@_api
async def import_everything(request: Request, client: LangGraphClient, user: str) -> dict:
    data = await _json_body(request, IMPORT_BODY_BYTES)
    if data is None:
        raise admin.BadMemoryRequest("the file is not JSON: choose a file that 'Download everything' made")
    return await export.import_user(client, user, data)


async def revoke_tokens(request: Request) -> Response:
    # Refuse every token of the caller issued until now (a stolen token, "sign out everywhere"). Not made as
    # the caller: the revocation record lives where no client's calls reach. (A comment, not a docstring: the
    # server reads a route's docstring as OpenAPI YAML.)
    user = _user(request)
    if user is None:
        return _error("sign in first", 401)
    return JSONResponse({"revoked_before": await revocation.revoke(user)}, headers=PAGE_HEADERS)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Server start: keep `langgraph dev` saving its state (`agent.dev_runtime.persistence`), one caller's
    failing store call from failing others' (`agent.dev_runtime.store_isolation`) and thread searches by values
    from failing (`agent.dev_runtime.thread_search`); load the store index's embedder before the server answers,
    so the first turn does not pay for it."""
    store_isolation.isolate_operations()
    thread_search.tolerate_no_values()
    persisting = asyncio.create_task(persistence.keep_persisting())
    await embeddings.warm_up()
    yield
    persisting.cancel()


app = Starlette(
    lifespan=lifespan,
    routes=[
        Route("/memories", page, methods=["GET"]),
        Route("/memories/app.js", script, methods=["GET"]),
        Route("/memories/api/items", list_items, methods=["GET"]),
        Route("/memories/api/items/{memory_type}/{key}", update_item, methods=["PUT"]),
        Route("/memories/api/items/{memory_type}/{key}", delete_item, methods=["DELETE"]),
        Route("/memories/api/history/{memory_type}/{key}", item_history, methods=["GET"]),
        Route("/memories/api/restore/{memory_type}/{key}", restore_item, methods=["POST"]),
        Route("/memories/api/restore-at", restore_at, methods=["POST"]),
        Route("/memories/api/review/{key}", decide_review, methods=["POST"]),
        Route("/memories/api/episodes", list_episodes, methods=["GET"]),
        Route("/memories/api/episodes/{key}", delete_episode, methods=["DELETE"]),
        Route("/memories/api/episodes/add-earlier-chats", add_earlier_chats, methods=["POST"]),
        Route("/memories/api/episodes/add-earlier-chats", adding_earlier_chats, methods=["GET"]),
        Route("/memories/api/export", export_everything, methods=["GET"]),
        Route("/memories/api/forget", forget, methods=["POST"]),
        Route("/memories/api/revoke-tokens", revoke_tokens, methods=["POST"]),
        Route("/memories/api/controls", read_controls, methods=["GET"]),
        Route("/memories/api/controls/switch", set_switch, methods=["PUT"]),
        Route("/memories/api/never-keep", add_rule, methods=["POST"]),
        Route("/memories/api/never-keep/forget", forget_under_rule, methods=["POST"]),
        Route("/memories/api/controls/temporary-by-default", set_temporary_by_default, methods=["PUT"]),
        Route("/memories/api/activity", activity, methods=["GET"]),
        Route("/memories/api/receipt", answer_receipt, methods=["GET"]),
        Route("/memories/api/items/{memory_type}", add_item, methods=["POST"]),
        Route("/memories/api/import", import_everything, methods=["POST"]),
    ],
    middleware=[Middleware(RouteGuard)],
)
