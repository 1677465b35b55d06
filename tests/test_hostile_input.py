"""Hostile and broken input through a real `langgraph dev`: a clear error or a polite reply, memory untouched."""

from __future__ import annotations

import json

import httpx
import pytest

from agent.client.sdk import (
    RunFailed,
    ensure_assistant,
    memories,
    send,
    wait_for_memory,
)
from agent.memory.kinds import MEMORY_TYPES
from tests.typed import DelaySettings

FAST: DelaySettings = {"memory_delay_seconds": 0}


@pytest.fixture
async def known(client, user):
    """A user with a stored profile and collection; returns (assistant ids, the stored memory)."""
    assistants = {}
    for memory_type in ("profile", "collection"):
        assistants[memory_type] = await ensure_assistant(client, memory_type, **FAST)
        thread = (await client.threads.create())["thread_id"]
        await send(client, assistants[memory_type], thread, user, "I'm Dana and I live in Oslo.")
        await wait_for_memory(client, thread)
    return assistants, await _snapshot(client, user)


async def _snapshot(client, user) -> dict:
    return {t: await memories(client, user, t) for t in MEMORY_TYPES}


@pytest.mark.parametrize(
    "content, reply",
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ([{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}], "only read text"),
    ],
    ids=["empty", "blank", "image-only"],
)
async def test_unusable_messages_get_a_polite_reply_and_are_not_kept(client, user, known, content, reply):
    assistants, before = known
    thread = (await client.threads.create())["thread_id"]
    result = await client.runs.wait(
        thread, assistants["collection"], input={"messages": [{"role": "user", "content": content}]}
    )
    assert reply in result["messages"][-1]["content"]
    assert [m["type"] for m in result["messages"]] == ["ai"], "the unusable message is not kept in the thread"
    assert await _snapshot(client, user) == before


async def test_malformed_tool_calls_and_timeouts_are_reported_and_change_nothing(client, user, endpoint, known):
    assistants, before = known

    def is_extraction(request: dict) -> bool:
        return "<conversation>" in json.dumps(request.get("messages"))

    for fault in ("malform_if", "stall_if"):
        setattr(endpoint, fault, is_extraction)
        endpoint.stall_seconds = 3  # past the server's 2 s model timeout
        thread = (await client.threads.create())["thread_id"]
        reply = await send(client, assistants["profile"], thread, user, "I moved to Rome.")
        assert reply, "the reply does not depend on the memory write"
        with pytest.raises(RunFailed):
            await wait_for_memory(client, thread)
        setattr(endpoint, fault, None)
        assert await _snapshot(client, user) == before, fault


async def test_namespaces_and_keys_with_path_tricks_are_refused(client, user, known, server):
    _, before = known
    token = client.http.client.headers["Authorization"]
    async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": token}) as http:
        # Straight to the HTTP API (the SDK would refuse these before sending).
        for namespace in (
            ["memory", user, "collection", ".."],
            ["memory", f"{user}/../bob", "collection"],
            ["memory", "..", user],
            ["memory", f"{user}.bob", "profile"],
        ):
            response = await http.put(
                "/store/items", json={"namespace": namespace, "key": "k", "value": {"content": "x"}}
            )
            assert 400 <= response.status_code < 500, (namespace, response.status_code)
        # A key with path characters is just a key: it reaches nothing else.
        assert await client.store.get_item(["memory", user, "profile"], "../../bob/profile") is None
        # The memory page's API validates memory types and keys.
        for path in [
            "/memories/api/items/collection/..%2F..%2Fbob",
            "/memories/api/items/episodic/k",
            "/memories/api/items/profile/not-the-profile-key",
        ]:
            response = await http.put(path, json={"value": {"content": "x"}})
            assert response.status_code in (400, 404), (path, response.status_code)
        # Restoring takes a kept version number of an existing history, nothing else.
        profile = "/memories/api/restore/profile/profile"
        for path, body in [
            (profile, {"version": "1"}),
            (profile, {"version": True}),
            (profile, {"version": 999}),
            (profile, [1]),
            ("/memories/api/restore/episodic/k", {"version": 1}),
            ("/memories/api/restore/collection/..%2Fx", {"version": 1}),
        ]:
            response = await http.post(path, json=body)
            assert response.status_code in (400, 404), (path, body, response.status_code)
    assert await _snapshot(client, user) == before
