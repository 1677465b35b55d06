"""ASGI middleware over every route of the server (`http.app`'s middleware wraps them all).

`langgraph dev` also serves routes that no auth handler guards: `/internal/*` (wipe everything,
read any thread), `/deploy` (starts a deployment with the server's environment) and `/ui/*`. They
are refused here, with the v2 event-streaming routes. The server's own in-process calls (the SDK's
`get_client()` with no URL, mounted at the root path `/noauth`, which no request from outside can set)
pass untouched.

Copying a thread keeps its metadata, and the auth handlers see only the new thread's id, so a copy
is checked here: a memory-writer thread (its id says so) is never copied.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Receive, Scope, Send

from agent.memory.writer_threads import is_writer_thread_id
from agent.server import tokens

CLOSED_PREFIXES = ("/internal", "/deploy", "/ui")
# The v2 event-streaming protocol: its websocket checks a token only when it opens, so a socket outlived
# its token's revocation. `http.disable_event_streaming` should remove it, but langgraph-api 0.16.7's
# config schema drops that key, so it is closed here too.
_EVENT_STREAMING = re.compile(r"^/threads/[^/]+/(stream/events|commands)/?$|^/runs/[^/]+/protocol/?$")
_COPY = re.compile(r"^/threads/([^/]+)/copy/?$")


def closed(path: str) -> bool:
    """Whether ``path`` is one of the routes this deployment does not serve."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in CLOSED_PREFIXES) or bool(
        _EVENT_STREAMING.match(path)
    )


class RouteGuard:
    """Refuse the unguarded dev-server routes and copies of memory-writer threads."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("root_path", "").startswith("/noauth"):
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if closed(path):
            return await _refuse(scope, send, 404, "not found")
        copy = _COPY.match(path)
        if copy and scope.get("method") == "POST" and _signed_in(scope) and is_writer_thread_id(copy.group(1)):
            return await _refuse(scope, send, 403, "memory-writer threads cannot be copied")
        return await self.app(scope, receive, send)


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
