"""ASGI middleware over every route of the server (`http.app`'s middleware wraps them all).

`langgraph dev` also serves routes that no auth handler guards: `/internal/*` (wipe everything,
read any thread), `/deploy` (starts a deployment with the server's environment) and `/ui/*`. They
are refused here, with the v2 event-streaming routes. The server's own in-process calls (the SDK's
`get_client()` with no URL, mounted at the root path `/noauth`, which no request from outside can set)
pass untouched.

Copying a thread keeps its metadata, and the auth handlers see only the new thread's id, so a copy
is checked here: a memory-writer thread (its id says so, or, for one made under an earlier secret, its
metadata) is never copied.

Every request body is read here first: one over ``limits.BODY_BYTES`` is refused (413) before any route
parses it, one that has not arrived within ``BODY_SECONDS`` gets a 408 (a slow body held its connection), and
none is read before the caller's token checks out (with auth on, a request without one is refused unread),
and a store request whose namespace is missing or not a list of labels, which langgraph-api's
store routes answer with a 500, gets a 422. A thread state update (``POST /threads/{id}/state``), which no auth
handler sees the values of, is held to the same message limits as a run's input (`agent.server.request_bounds`).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from urllib.parse import parse_qs

import httpx
from langgraph_sdk import get_client
from langgraph_sdk.auth.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent import limits
from agent.memory.queue.writer_threads import WRITER_OF, is_writer_thread_id
from agent.server import tokens
from agent.server.request_bounds import check_messages, check_names, messages_in

CLOSED_PREFIXES = ("/internal", "/deploy", "/ui")
# The v2 event-streaming protocol: its websocket checks a token only when it opens, so a socket outlived
# its token's revocation. `http.disable_event_streaming` should remove it, but langgraph-api 0.16.7's
# config schema drops that key, so it is closed here too.
_EVENT_STREAMING = re.compile(r"^/threads/[^/]+/(stream/events|commands)/?$|^/runs/[^/]+/protocol/?$")
_COPY = re.compile(r"^/threads/([^/]+)/copy/?$")
_STATE = re.compile(r"^/threads/([^/]+)/state/?$")
_HISTORY = re.compile(r"^/threads/[^/]+/history/?$")
_ASSISTANT = re.compile(r"^/assistants(/[^/]+)?/?$")  # create, and update (PATCH /assistants/{id})


def closed(path: str) -> bool:
    """Whether ``path`` is one of the routes this deployment does not serve."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in CLOSED_PREFIXES) or bool(
        _EVENT_STREAMING.match(path)
    )


# Store routes and the body field naming the namespace (langgraph-api reads it before any check).
_STORE_NAMESPACE = {
    ("POST", "/store/items/search"): "namespace_prefix",
    ("PUT", "/store/items"): "namespace",
    ("DELETE", "/store/items"): "namespace",
}
_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODY_SECONDS = 10
"""How long a request body may take to arrive: a slow body held its connection (and a worker's read) for minutes."""


class RouteGuard:
    """Refuse the unguarded dev-server routes, oversized or malformed bodies, and copies of writer threads."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("root_path", "").startswith("/noauth"):
            return await self.app(scope, receive, send)
        path, method = scope.get("path", ""), scope.get("method", "")
        if closed(path):
            return await _refuse(scope, send, 404, "not found")
        body = b""
        if (
            scope["type"] == "http"
            and method in _WITH_BODY
            and os.environ.get("LANGGRAPH_AUTH")
            and not _signed_in(scope)
        ):
            return await self.app(scope, receive, send)  # refused by auth, its body never read
        if scope["type"] == "http" and method in _WITH_BODY:
            try:
                read = await asyncio.wait_for(_body(receive, limits.BODY_BYTES.value()), BODY_SECONDS)
            except TimeoutError:
                return await _refuse(scope, send, 408, f"a request body must arrive within {BODY_SECONDS} s")
            if read is None:
                most = limits.BODY_BYTES.value()
                return await _refuse(
                    scope, send, 413, f"a request body is at most {most:,} bytes ({limits.BODY_BYTES.env})"
                )
            body = read
            if problem := _store_request_problem(method, path.rstrip("/"), body):
                return await _refuse(scope, send, 422, problem)
            if _ASSISTANT.match(path) and method in ("POST", "PATCH") and (named := _names_problem(body)):
                return await _refuse(scope, send, named.status_code, str(named.detail))
            if method == "POST" and (state := _STATE.match(path)) and _signed_in(scope):
                if refused := await _state_update_problem(state.group(1), body):
                    return await _refuse(scope, send, refused.status_code, str(refused.detail))
            receive = _replay(body, receive)
        if _HISTORY.match(path) and (problem := _history_problem(scope, method, body)):
            return await _refuse(scope, send, 422, problem)
        copy = _COPY.match(path)
        if copy and method == "POST" and _signed_in(scope) and await _is_writer_thread(copy.group(1)):
            return await _refuse(scope, send, 403, "memory-writer threads cannot be copied")
        return await self.app(scope, receive, send)


async def _body(receive: Receive, most: int) -> bytes | None:
    """The whole request body, or None once it runs past ``most`` bytes."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away: the route sees an empty body and the server's own handling
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > most:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, then: Receive) -> Receive:
    """A ``receive`` that hands the route the body already read, then the server's own (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive


def _store_request_problem(method: str, path: str, body: bytes) -> str | None:
    """Why a store request's body would make langgraph-api's route fail (a 500), or None."""
    field = _STORE_NAMESPACE.get((method, path))
    if field is None or not body:
        return None
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return "the body must be a JSON object"
    labels = payload.get(field) if isinstance(payload, dict) else None
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        return f"{field} must be a list of labels (strings)"
    return None


async def _state_update_problem(thread_id: str, body: bytes) -> HTTPException | None:
    """Why a thread state update may not add its messages, or None: the limits a run's input is held to, and
    the thread's own size (``limits.THREAD_CHARS``), which a run keeps by letting its oldest messages go but an
    update, adding messages without a run, would outgrow."""
    try:
        payload = json.loads(body) if body else {}
    except (ValueError, RecursionError):
        return None  # the route answers a body that is not JSON itself
    values = payload.get("values") if isinstance(payload, dict) else None
    if (sent := messages_in(values)) is None:
        return None
    try:
        check_messages(sent, "the state update")
    except HTTPException as refused:
        return refused
    try:
        state = await get_client().threads.get_state(thread_id)  # in-process, as the server: no auth handler
    except (httpx.HTTPStatusError, ValueError):
        return None  # no such thread (or not a thread id): the route answers for itself
    values = state.get("values")
    held = values.get("messages") if isinstance(values, dict) else None
    size = sum(limits.message_chars(m) for m in held or []) + sum(limits.message_chars(m) for m in sent)
    if size > (most := limits.THREAD_CHARS.value()):
        return HTTPException(
            status_code=413,
            detail=f"this conversation would hold {size:,} characters; the limit is {most:,} "
            f"({limits.THREAD_CHARS.env}): start a new thread",
        )
    return None


def _names_problem(body: bytes) -> HTTPException | None:
    """Why an assistant's name or description is too long (``limits.NAME_CHARS``), or None. The auth handlers are
    not shown the description."""
    try:
        payload = json.loads(body) if body else {}
    except (ValueError, RecursionError):
        return None
    try:
        check_names(payload if isinstance(payload, dict) else {})
    except HTTPException as refused:
        return refused
    return None


def _history_problem(scope: Scope, method: str, body: bytes | None) -> str | None:
    """Why a history request asks for more states than one answer may hold (``limits.HISTORY_STATES``), or None.
    Each state holds the thread's messages: with a thread's size bounded (``limits.THREAD_CHARS``), so is the
    answer."""
    most = limits.HISTORY_STATES.value()
    if method == "GET":
        asked: object = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("limit", ["1"])[-1]
    else:
        try:
            payload = json.loads(body) if body else {}
        except (ValueError, RecursionError):
            return None  # the route answers a body that is not JSON itself
        asked = payload.get("limit", 10) if isinstance(payload, dict) else 10
    number = int(asked) if isinstance(asked, str) and asked.isdigit() else asked
    if type(number) is not int or not 1 <= number <= most:
        return f"limit is a number of states from 1 to {most} ({limits.HISTORY_STATES.env})"
    return None


async def _is_writer_thread(thread_id: str) -> bool:
    """Whether ``thread_id`` is a memory-writer thread: its id carries this server's MAC, or (made under an
    earlier secret) its metadata names whose writer it is."""
    if is_writer_thread_id(thread_id):
        return True
    try:
        thread = await get_client().threads.get(thread_id)  # in-process, as the server: no auth handler
    except (httpx.HTTPStatusError, ValueError):
        return False  # no such thread: the route answers for itself
    return WRITER_OF in (thread.get("metadata") or {})


def _signed_in(scope: Scope) -> bool:
    """Whether the request carries a genuine token (else auth answers 401, and the id's kind stays untold)."""
    header = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
    scheme, _, token = header.partition(" ")
    try:
        return scheme.lower() == "bearer" and bool(tokens.verify(token.strip()))
    except (ValueError, RuntimeError):
        return False


async def _refuse(scope: Scope, send: Send, status: int, detail: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
