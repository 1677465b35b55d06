"""The memory page: a user sees, edits and deletes what the bot remembers, or has it forget everything.

Served by the LangGraph server itself (`http.app` in langgraph.json), behind the same auth as the
API (`http.enable_custom_route_auth`). A browser sends no bearer header on a page load, so signing
in puts the token into an HttpOnly, SameSite=Strict cookie, which `agent.server.auth` accepts on
these routes only. Since a cookie rides along with any request the browser makes:
- a state-changing request signed in by the cookie must come from this page: its `Origin` (or
  `Referer`) is the page's own origin, and it carries the page's CSRF token;
- the page's calls to the server run under the caller's identity (langgraph-api's `with_user`,
  as its own routes do), so the auth handlers filter them exactly as they filter the caller's token.
The app's middleware (`agent.server.route_guard`) also guards every route of the server.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

from langgraph_api.utils import (
    with_user,  # pinned in pyproject.toml; tests/test_attacks.py checks it
)
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from agent.client import memory_admin
from agent.memory import embeddings
from agent.server import auth, revocation, tokens
from agent.server.page_html import LOGIN_PAGE, MEMORY_PAGE
from agent.server.route_guard import RouteGuard

SESSION_DAYS = 7
CSRF_HEADER = "x-csrf-token"
_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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


# -- cross-site request checks ---------------------------------------------------------------

def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: an HMAC of the session's own token, so a page elsewhere cannot know it."""
    return hmac.new(tokens.signing_key(), b"csrf\x00" + session_token.encode(), hashlib.sha256).hexdigest()


def _origin_of(url: str | None) -> tuple[str, str] | None:
    if not url or url == "null":
        return None
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc) if parts.scheme and parts.netloc else None


def _same_origin(request: Request) -> bool:
    """Whether the request comes from a page of this server (Origin, else Referer, names it)."""
    sender = _origin_of(request.headers.get("origin")) or _origin_of(request.headers.get("referer"))
    scheme = request.headers.get("x-forwarded-proto") or request.url.scheme
    return sender == (scheme, request.headers.get("host", ""))


def _cross_site_refusal(request: Request, sent_token: str | None, *, needs_token: bool = True) -> Response | None:
    """Why a state-changing request must be refused (a 403), or None when it may go on.

    A bearer token is not ambient (no page can make a browser add it), so only cookie-borne
    requests are checked. Signing in has no session yet, so only its origin is checked.
    """
    if request.method not in _STATE_CHANGING or request.headers.get("authorization"):
        return None
    if not _same_origin(request):
        return JSONResponse({"detail": "refused: the request does not come from this page"}, status_code=403)
    session = request.cookies.get(auth.COOKIE)
    if needs_token and not (session and sent_token and hmac.compare_digest(sent_token, csrf_token(session))):
        return JSONResponse({"detail": "refused: missing or wrong CSRF token"}, status_code=403)
    return None


async def _form(request: Request) -> dict[str, str]:
    fields = parse_qs((await request.body()).decode(errors="replace"))  # small urlencoded forms
    return {name: values[0] for name, values in fields.items()}


# -- pages ----------------------------------------------------------------------------------

async def page(request: Request) -> HTMLResponse:
    user = _user(request)
    session = request.cookies.get(auth.COOKIE)
    if user is None or not session:
        return HTMLResponse(LOGIN_PAGE)
    body = MEMORY_PAGE.replace("{user}", html.escape(user)).replace("{csrf}", csrf_token(session))
    return HTMLResponse(body, headers={"Cache-Control": "no-store"})


async def login(request: Request) -> Response:
    form = await _form(request)
    if refusal := _cross_site_refusal(request, None, needs_token=False):
        return refusal
    token = form.get("token", "").strip()
    try:
        await auth.verified_user(token)
    except (ValueError, RuntimeError) as error:
        return HTMLResponse(LOGIN_PAGE.replace("<!--error-->", f"<p class=error>{html.escape(str(error))}</p>"), 401)
    response = RedirectResponse("/memories", status_code=303)
    response.set_cookie(
        auth.COOKIE, token, max_age=SESSION_DAYS * 86400, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", path="/memories",
    )
    return response


async def logout(request: Request) -> Response:
    signed_in = _user(request) is not None
    if refusal := _cross_site_refusal(request, (await _form(request)).get("csrf"), needs_token=signed_in):
        return refusal
    response = RedirectResponse("/memories", status_code=303)
    response.delete_cookie(auth.COOKIE, path="/memories")
    return response


# -- the page's JSON API ----------------------------------------------------------------------

def _api(handler):
    """JSON endpoints: signed-in callers from this page only; a bad request is a 400 that changed nothing."""

    async def endpoint(request: Request) -> Response:
        user = _user(request)
        if user is None:
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        if refusal := _cross_site_refusal(request, request.headers.get(CSRF_HEADER)):
            return refusal
        try:
            async with _as_caller(request) as client:
                return JSONResponse(await handler(request, client, user))
        except memory_admin.BadMemoryRequest as error:
            return JSONResponse({"detail": str(error)}, status_code=400)

    return endpoint


@_api
async def list_items(request: Request, client: LangGraphClient, user: str) -> dict:
    return {
        "user": user,
        "memories": await memory_admin.list_memories(client, user),
        "threads": await client.threads.count(),  # the auth handlers scope this to the caller
    }


@_api
async def update_item(request: Request, client: LangGraphClient, user: str) -> dict:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise memory_admin.BadMemoryRequest("the body must be JSON (Content-Type: application/json)")
    try:
        body = await request.json()
    except ValueError:
        raise memory_admin.BadMemoryRequest("the body must be JSON: {\"value\": {...}}") from None
    if not isinstance(body, dict) or not isinstance(body.get("value"), dict):
        raise memory_admin.BadMemoryRequest("the body must be JSON: {\"value\": {...}}")
    params = request.path_params
    value = await memory_admin.update_memory(client, user, params["memory_type"], params["key"], body["value"])
    return {"value": value}


@_api
async def delete_item(request: Request, client: LangGraphClient, user: str) -> dict:
    params = request.path_params
    await memory_admin.delete_memory(client, user, params["memory_type"], params["key"])
    return {"deleted": params["key"]}


@_api
async def forget(request: Request, client: LangGraphClient, user: str) -> dict:
    return await memory_admin.forget_user(client, user)


async def revoke_tokens(request: Request) -> Response:
    """Refuse every token of the caller issued until now (a stolen token, "sign out everywhere")."""
    user = _user(request)
    if user is None:
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    if refusal := _cross_site_refusal(request, request.headers.get(CSRF_HEADER)):
        return refusal
    response = JSONResponse({"revoked_before": await revocation.revoke(user)})
    response.delete_cookie(auth.COOKIE, path="/memories")
    return response


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Server start: load the store index's embedder before the first request needs it."""
    await embeddings.warm_up()
    yield


app = Starlette(
    lifespan=lifespan,
    routes=[
        Route("/memories", page, methods=["GET"]),
        Route("/memories/login", login, methods=["POST"]),
        Route("/memories/logout", logout, methods=["POST"]),
        Route("/memories/api/items", list_items, methods=["GET"]),
        Route("/memories/api/items/{memory_type}/{key}", update_item, methods=["PUT"]),
        Route("/memories/api/items/{memory_type}/{key}", delete_item, methods=["DELETE"]),
        Route("/memories/api/forget", forget, methods=["POST"]),
        Route("/memories/api/revoke-tokens", revoke_tokens, methods=["POST"]),
    ],
    middleware=[Middleware(RouteGuard)],
)
