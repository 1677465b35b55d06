"""Who is calling, and what they may touch: HMAC-signed bearer tokens and owner-only access.

Wired in langgraph.json (`auth.path`). Every request carries `Authorization: Bearer <token>` (or,
from the memory page, an HttpOnly session cookie holding the same token). A token names one user
and is signed with the secret in MEMORY_CHATBOT_AUTH_SECRET; mint one with

    MEMORY_CHATBOT_AUTH_SECRET=... python -m agent.server.auth mint <user_id> [--days 30]

Threads, runs and assistants belong to the user who created them (metadata `owner`); the store API
only reaches namespaces ("memory", <the caller>, ...). The graphs namespace memory by the server-set
`langgraph_auth_user_id`, never by a `user_id` the client sends.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import time

from langgraph_sdk import Auth
from pydantic import ValidationError

from agent.context import Context, check_user_id
from agent.memory.store import ROOT

SECRET_ENV = "MEMORY_CHATBOT_AUTH_SECRET"
COOKIE = "memory_chatbot_session"
OWNER = "owner"
PUBLIC_PATHS = frozenset({"/ok", "/memories", "/memories/login", "/memories/logout"})


# -- tokens ---------------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _secret(secret: str | None = None) -> bytes:
    value = secret or os.environ.get(SECRET_ENV)
    if not value:
        raise RuntimeError(f"{SECRET_ENV} is not set: the server cannot check tokens")
    return value.encode()


def mint(user_id: str, *, days: float = 30, secret: str | None = None) -> str:
    """A bearer token for ``user_id``, valid for ``days``."""
    check_user_id(user_id)
    payload = _b64(json.dumps({"sub": user_id, "exp": int(time.time() + days * 86400)}).encode())
    signature = _b64(hmac.new(_secret(secret), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{signature}"


def verify(token: str, *, secret: str | None = None) -> str:
    """The user a token names; ValueError when it is malformed, forged or expired."""
    payload, _, signature = token.partition(".")
    expected = _b64(hmac.new(_secret(secret), payload.encode(), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature, expected):
        raise ValueError("invalid token signature")
    try:
        claims = json.loads(_unb64(payload))
    except ValueError as error:
        raise ValueError("malformed token") from error
    if not isinstance(claims, dict) or claims.get("exp", 0) < time.time():
        raise ValueError("token expired")
    return check_user_id(claims.get("sub"))


def claimed_user(token: str) -> str:
    """The user a token names, read without checking it (the client's view; the server checks)."""
    try:
        return json.loads(_unb64(token.partition(".")[0]))["sub"]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError("malformed token") from error


def _cookie(headers: dict) -> str | None:
    raw = headers.get(b"cookie") or headers.get("cookie") or b""
    raw = raw.decode() if isinstance(raw, bytes) else raw
    for part in raw.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and value:
            return value
    return None


# -- the server's auth ----------------------------------------------------------------------

auth = Auth()


@auth.authenticate
async def authenticate(authorization: str | None, headers: dict, path: str) -> Auth.types.MinimalUserDict:
    """Map the bearer token (or session cookie) to a user; refuse everyone else."""
    token = None
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Auth.exceptions.HTTPException(status_code=401, detail="expected 'Authorization: Bearer <token>'")
    token = token or _cookie(headers)
    if not token:
        if path.rstrip("/") in PUBLIC_PATHS or path == "/memories/":
            return {"identity": "anonymous", "is_authenticated": False, "permissions": []}
        raise Auth.exceptions.HTTPException(status_code=401, detail="missing bearer token")
    try:
        user_id = verify(token)
    except ValueError as error:
        raise Auth.exceptions.HTTPException(status_code=401, detail=str(error)) from None
    except RuntimeError as error:  # no secret configured
        raise Auth.exceptions.HTTPException(status_code=500, detail=str(error)) from None
    return {"identity": user_id, "is_authenticated": True, "permissions": ["memory:owner"]}


def _caller(ctx: Auth.types.AuthContext) -> str:
    if not getattr(ctx.user, "is_authenticated", False):
        raise Auth.exceptions.HTTPException(status_code=401, detail="sign in first")
    return ctx.user.identity


@auth.on.threads.create
async def stamp_owner(ctx: Auth.types.AuthContext, value: dict) -> dict:
    """New threads and assistants belong to their creator."""
    owner = _caller(ctx)
    metadata = value.get("metadata")
    if metadata is None:
        metadata = value["metadata"] = {}
    metadata[OWNER] = owner  # in place: the server keeps its own reference to this dict
    return {OWNER: owner}


@auth.on.threads
@auth.on.assistants
async def only_owner(ctx: Auth.types.AuthContext, value: dict) -> dict:
    """Read, update, delete, search and run: only what the caller owns (graph default assistants stay usable by id)."""
    return {OWNER: _caller(ctx)}


@auth.on.threads.create_run
async def checked_run(ctx: Auth.types.AuthContext, value: dict) -> dict:
    """A run on the caller's own thread, with a configuration that validates (else HTTP 422)."""
    owner = _caller(ctx)
    _check_context((value.get("kwargs") or {}).get("context"))
    return {OWNER: owner}


@auth.on.assistants.create
async def checked_assistant(ctx: Auth.types.AuthContext, value: dict) -> dict:
    """A new assistant belongs to its creator and must carry a configuration that validates."""
    _check_context(value.get("context"))
    return await stamp_owner(ctx, value)


def _check_context(context: dict | None) -> None:
    try:
        Context.model_validate(context or {})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise Auth.exceptions.HTTPException(status_code=422, detail=f"invalid configuration: {problems}") from None


@auth.on.crons
async def no_crons(ctx: Auth.types.AuthContext, value: dict) -> bool:
    raise Auth.exceptions.HTTPException(status_code=403, detail="crons are not enabled")


@auth.on.store
async def only_own_namespace(ctx: Auth.types.AuthContext, value: dict) -> None:
    """The store API reaches ("memory", <caller>, ...) and nothing else."""
    user = _caller(ctx)
    namespace = tuple(value.get("namespace") or ())
    if ctx.action == "list_namespaces" and namespace in ((), (ROOT,)):  # no prefix: scope it to the caller
        value["namespace"] = (ROOT, user)
        return None
    if len(namespace) < 2 or namespace[0] != ROOT or namespace[1] != user:
        raise Auth.exceptions.HTTPException(
            status_code=403, detail=f"the store API only reaches namespaces ('{ROOT}', '{user}', ...)"
        )
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description="Mint a bearer token for a user (needs MEMORY_CHATBOT_AUTH_SECRET).")
    sub = parser.add_subparsers(dest="command", required=True)
    minting = sub.add_parser("mint")
    minting.add_argument("user_id")
    minting.add_argument("--days", type=float, default=30)
    args = parser.parse_args()
    print(mint(args.user_id, days=args.days))


if __name__ == "__main__":
    main()
