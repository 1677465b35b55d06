"""The deployment's signing secret: what signs bearer tokens and memory-writer thread ids, and what is accepted.

MEMORY_CHATBOT_AUTH_SECRET signs; during a rotation MEMORY_CHATBOT_AUTH_PREVIOUS_SECRET is still accepted
(never used to sign).
"""

from __future__ import annotations

import os

SECRET_ENV = "MEMORY_CHATBOT_AUTH_SECRET"
PREVIOUS_SECRET_ENV = "MEMORY_CHATBOT_AUTH_PREVIOUS_SECRET"
HOW_TO_SET = f"echo \"{SECRET_ENV}=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')\" >> .env"
"""A shell line that puts a new random secret in the project's `.env`."""


def signing_key(value: str | None = None) -> bytes:
    """The signing secret: ``value``, else MEMORY_CHATBOT_AUTH_SECRET; RuntimeError when neither is set."""
    value = value or os.environ.get(SECRET_ENV)
    if not value:
        raise RuntimeError(f"{SECRET_ENV} is not set (in .env or the environment): no token can be signed or checked")
    return value.encode()


def accepted_keys(value: str | None = None) -> list[bytes]:
    """The secrets whose signatures are accepted: the current one, then the previous one during a rotation."""
    accepted = [signing_key(value)]
    previous = None if value else os.environ.get(PREVIOUS_SECRET_ENV)
    if previous:
        accepted.append(previous.encode())
    return accepted


def configured() -> bool:
    """Whether this process has a signing secret (auth can be on)."""
    return bool(os.environ.get(SECRET_ENV))
