"""Users own their memories: through a real `langgraph dev` with auth on, user A cannot reach user B's data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from agent.client.sdk import ensure_assistant, memories, send, wait_for_memory
from agent.server import tokens
from tests.conftest import AUTH_SECRET
from tests.refusals import refused
from tests.typed import DelaySettings

FAST: DelaySettings = {"memory_delay_seconds": 0}


@pytest.fixture
async def victim(connect):
    """User B with a profile memory and a thread, written through the chatbot."""
    as_b = connect("bob")
    assistant = await ensure_assistant(as_b, "profile", **FAST)
    thread = (await as_b.threads.create())["thread_id"]
    await send(as_b, assistant, thread, "bob", "I'm Bob and I live in Oslo.")
    await wait_for_memory(as_b, thread)
    before = await memories(as_b, "bob", "profile")
    assert before and before[0]["value"]["location"] == "Oslo"
    return {"client": as_b, "thread": thread, "assistant": assistant, "profile": before}


async def test_another_user_cannot_touch_bobs_memory_or_threads(connect, victim, server):
    a = connect("alice")
    bob_ns = ["memory", "bob", "profile"]
    attempts = {
        "read B's item": a.store.get_item(bob_ns, "profile"),
        "search B's namespace": a.store.search_items(bob_ns),
        "search a prefix without the identity label": a.store.search_items(["memory"]),
        "search the whole store": a.store.search_items([]),
        "write into B's namespace": a.store.put_item(bob_ns, "profile", {"name": "Mallory"}),
        "delete B's item": a.store.delete_item(bob_ns, "profile"),
        "list B's namespaces": a.store.list_namespaces(prefix=["memory", "bob"]),
        "read B's thread": a.threads.get(victim["thread"]),
        "read B's thread state": a.threads.get_state(victim["thread"]),
        "delete B's thread": a.threads.delete(victim["thread"]),
        "run on B's thread": a.runs.wait(
            victim["thread"], victim["assistant"], input={"messages": [{"role": "user", "content": "hi"}]}
        ),
        "use B's assistant": a.assistants.get(victim["assistant"]),
    }
    for name, call in attempts.items():
        assert await refused(call), name

    # Listing threads shows none of B's.
    assert victim["thread"] not in [t["thread_id"] for t in await a.threads.search(limit=100)]
    # Listing namespaces without a prefix is scoped to the caller.
    assert all(ns[:2] == ["memory", "alice"] for ns in (await a.store.list_namespaces())["namespaces"])

    assert await memories(victim["client"], "bob", "profile") == victim["profile"]


async def test_a_spoofed_user_id_writes_to_the_callers_own_memory(connect, victim):
    a = connect("mallory")
    assistant = await ensure_assistant(a, "profile", **FAST)
    thread = (await a.threads.create())["thread_id"]
    # The chatbot, told it is Bob, still remembers for the caller.
    await send(a, assistant, thread, "bob", "I'm Mallory and I live in Rome.")
    await wait_for_memory(a, thread)
    # A direct run of the memory writer with Bob's id and input is refused outright.
    writer_thread = (await a.threads.create())["thread_id"]
    await refused(
        a.runs.wait(
            writer_thread,
            "memory_writer",
            input={"messages": [{"type": "human", "content": "I live in Lisbon and my name is Eve."}]},
            context={"user_id": "bob", "memory_type": "profile"},
        )
    )
    assert await memories(victim["client"], "bob", "profile") == victim["profile"]
    mine = (await memories(a, "mallory", "profile"))[0]["value"]
    assert mine["name"] == "Mallory" and "Oslo" not in str(mine)


async def test_requests_without_a_valid_token_arerefused(server, victim):
    bob_item = {"namespace": ["memory", "bob", "profile"], "key": "profile"}
    expired = tokens.mint("bob", days=-1, secret=AUTH_SECRET)
    forged = tokens.mint("bob", secret="not-the-server-secret")
    cases = {
        "no token": {},
        "Studio header, no token": {"x-auth-scheme": "langsmith"},
        "expired token": {"Authorization": f"Bearer {expired}"},
        "forged token": {"Authorization": f"Bearer {forged}"},
        "token of another scheme": {"Authorization": f"Basic {forged}"},
        "cookie with a forged token": {"Cookie": f"memory_chatbot_session={forged}"},
        "cookie with a genuine token": {"Cookie": f"memory_chatbot_session={tokens.mint('bob', secret=AUTH_SECRET)}"},
    }
    routes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/store/items", None),
        ("POST", "/threads/search", {}),
        ("GET", "/memories/api/items", None),  # the memory page's API: a custom route
    ]
    async with httpx.AsyncClient(base_url=server.url) as http:
        for name, headers in cases.items():
            for method, path, body in routes:
                params = bob_item if path == "/store/items" else None
                response = await http.request(method, path, headers=headers, json=body, params=params)
                assert response.status_code in (401, 403), (name, path, response.status_code)
    assert await memories(victim["client"], "bob", "profile") == victim["profile"]


def test_tokens_are_signed_and_expire():
    token = tokens.mint("carol", days=1, secret="s")
    assert tokens.verify(token, secret="s")["sub"] == "carol" == tokens.claimed_user(token)
    payload, _, signature = token.partition(".")
    with pytest.raises(ValueError):
        tokens.verify(f"{payload}.{signature[:-2]}xx", secret="s")
    with pytest.raises(ValueError):
        tokens.verify(token, secret="other")
    with pytest.raises(ValueError, match="expired"):
        tokens.verify(tokens.mint("carol", days=-1 / 86400 * 5, secret="s"), secret="s")
