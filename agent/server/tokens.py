"""Bearer tokens: HMAC-signed, naming one user, revocable, and verifiable across a secret rotation.

A token is ``<payload>.<signature>``: the payload is base64url JSON ``{"sub", "iat", "exp"}`` and the
signature an HMAC-SHA256 of it with MEMORY_CHATBOT_AUTH_SECRET. During a rotation the secret in
MEMORY_CHATBOT_AUTH_PREVIOUS_SECRET is still accepted (never used to sign). A user's tokens issued
before their revocation time (kept by the server, see `agent.server.revocation`) are refused.

    python -m agent.server.tokens mint <user_id> [--days 30]
    python -m agent.server.tokens revoke <user_id> --url http://127.0.0.1:2024
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import math
import os
import time

from agent.context import check_user_id

SECRET_ENV = "MEMORY_CHATBOT_AUTH_SECRET"
PREVIOUS_SECRET_ENV = "MEMORY_CHATBOT_AUTH_PREVIOUS_SECRET"
MAX_TOKEN_CHARS = 2048


class InvalidToken(ValueError):
    """The token is malformed, forged, expired or names an invalid user."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_key(value: str | None = None) -> bytes:
    """The signing secret: ``value``, else MEMORY_CHATBOT_AUTH_SECRET; RuntimeError when neither is set."""
    value = value or os.environ.get(SECRET_ENV)
    if not value:
        raise RuntimeError(f"{SECRET_ENV} is not set: the server cannot sign or check tokens")
    return value.encode()


def accepted_keys(value: str | None = None) -> list[bytes]:
    """The secrets whose signatures are accepted: the current one, then the previous one during a rotation."""
    accepted = [signing_key(value)]
    previous = None if value else os.environ.get(PREVIOUS_SECRET_ENV)
    if previous:
        accepted.append(previous.encode())
    return accepted


def _sign(payload: str, key: bytes) -> bytes:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest()).encode()


def mint(user_id: str, *, days: float = 30, secret: str | None = None, now: float | None = None) -> str:
    """A bearer token for ``user_id``, valid for ``days``."""
    check_user_id(user_id)
    issued = time.time() if now is None else now
    claims = {"sub": user_id, "iat": round(issued, 3), "exp": int(issued + days * 86400)}
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{payload}.{_sign(payload, signing_key(secret)).decode()}"


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def verify(token: str, *, secret: str | None = None) -> dict:
    """The claims of a genuine, unexpired token naming a valid user; InvalidToken otherwise.

    Revocation is checked by the server (`agent.server.revocation`), which keeps per-user state.
    """
    if not isinstance(token, str) or not token.isascii() or token.count(".") != 1 or len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("malformed token")
    payload, signature = token.split(".")
    if not any(hmac.compare_digest(signature.encode(), _sign(payload, key)) for key in accepted_keys(secret)):
        raise InvalidToken("invalid token signature")
    try:
        claims = json.loads(_unb64(payload))
    except (ValueError, RecursionError):
        raise InvalidToken("malformed token") from None
    if not isinstance(claims, dict) or not _number(claims.get("exp")) or not _number(claims.get("iat", 0)):
        raise InvalidToken("malformed token claims")
    if claims["exp"] < time.time():
        raise InvalidToken("token expired")
    try:
        check_user_id(claims.get("sub"))
    except ValueError as error:
        raise InvalidToken(f"invalid user in token: {error}") from None
    return claims


def claimed_user(token: str) -> str:
    """The user a token names, read without checking it (the client's view; the server checks)."""
    try:
        return json.loads(_unb64(token.partition(".")[0]))["sub"]
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidToken("malformed token") from error


async def _revoke(url: str, user_id: str) -> float:
    """Revoke every token of ``user_id`` issued until now, through the server (as that user)."""
    from agent.client.sdk import connect

    client = connect(url, mint(user_id, days=1 / 1440))
    response = await client.http.post("/memories/api/revoke-tokens", json={})
    return response["revoked_before"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Mint or revoke bearer tokens (needs MEMORY_CHATBOT_AUTH_SECRET).")
    sub = parser.add_subparsers(dest="command", required=True)
    minting = sub.add_parser("mint", help="print a new token for a user")
    minting.add_argument("user_id")
    minting.add_argument("--days", type=float, default=30)
    revoking = sub.add_parser("revoke", help="refuse every token of a user issued until now")
    revoking.add_argument("user_id")
    revoking.add_argument("--url", default="http://127.0.0.1:2024")
    args = parser.parse_args(argv)
    try:
        if args.command == "mint":
            print(mint(args.user_id, days=args.days))
        else:
            revoked_before = asyncio.run(_revoke(args.url, args.user_id))
            print(f"every token of {args.user_id!r} issued before {time.ctime(revoked_before)} is now refused")
    except (ValueError, RuntimeError) as error:
        raise SystemExit(f"error: {error}") from None


if __name__ == "__main__":
    main()
