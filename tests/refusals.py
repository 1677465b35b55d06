"""One way to assert that the server refused a call."""

from __future__ import annotations

import httpx
import pytest
from langgraph_sdk.errors import APIStatusError


async def refused(call) -> int:
    """Await ``call``; it must be refused with a 4xx. Returns the status."""
    try:
        await call
    except APIStatusError as error:
        status = error.status_code
    except httpx.HTTPStatusError as error:
        status = error.response.status_code
    else:
        pytest.fail("the call was not refused")
    assert 400 <= status < 500, status
    return status
