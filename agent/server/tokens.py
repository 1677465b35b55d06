"""Bearer tokens: HMAC-signed, naming one user, revocable, and verifiable across a secret rotation.

A token is ``<payload>.<signature>``: the payload is base64url JSON ``{"sub", "iat", "exp"}`` and the
signature an HMAC-SHA256 of it with MEMORY_CHATBOT_AUTH_SECRET. During a rotation the secret in
MEMORY_CHATBOT_AUTH_PREVIOUS_SECRET is still accepted (never used to sign). A user's tokens issued
before their revocation time (kept by the server, see `agent.server.revocation`) are refused.

    python -m agent.client.tokens mint <user_id> [--days 30]
    python -m agent.client.tokens revoke <user_id> --url http://127.0.0.1:2024
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import time

from agent.secret import accepted_keys, signing_key
from agent.users import check_user_id

MAX_TOKEN_CHARS = 2048


class InvalidToken(ValueError):
    """The token is malformed, forged, expired or names an invalid user."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


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
