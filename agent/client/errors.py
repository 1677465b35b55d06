"""Expected failures of the command line, each told in one line: no traceback for what a user can fix."""

from __future__ import annotations

import json

import httpx

from agent.memory.manage.admin import BadMemoryRequest
from agent.server.tokens import InvalidToken

GET_A_TOKEN = "get one with `make token USER_ID=<you>`, then pass --token or set MEMORY_CHATBOT_TOKEN"


class CommandFailed(RuntimeError):
    """An expected failure, already told in one line."""


def server_detail(response: httpx.Response) -> str:
    """The server's own reason for refusing a call (its ``detail``), else the status line."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, list | dict):
        detail = json.dumps(detail)
    return str(detail or f"{response.status_code} {response.reason_phrase}")


def explain(error: BaseException, url: str) -> str | None:
    """One line for an expected failure, or None for anything else (a bug, whose traceback is worth seeing)."""
    if isinstance(error, InvalidToken):
        return f"the token is not valid ({error}): {GET_A_TOKEN}"
    if isinstance(error, CommandFailed | BadMemoryRequest):
        return str(error)
    if isinstance(error, httpx.ConnectError):
        return f"no server answers at {url}: start one with `make serve`, or pass --url"
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return (
            f"something at {url} took the connection but did not answer like this chatbot's server ({error}): "
            "pass --url with the address `make serve` printed"
        )
    if isinstance(error, httpx.TimeoutException):
        return f"{url} did not answer in time: is it this chatbot's server? Pass --url to choose another"
    if isinstance(error, httpx.HTTPStatusError):
        status, detail = error.response.status_code, server_detail(error.response)
        if status == 401:
            return f"the server refused the token ({detail}): {GET_A_TOKEN}"
        if status == 503:
            return f"the server is not ready: {detail}"
        return f"the server refused: {detail}"
    return None
