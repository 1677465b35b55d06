"""Hot-path writes (memory written inside the chat run) through `langgraph dev --n-jobs-per-worker 10`."""

from __future__ import annotations

import asyncio

import pytest
from langgraph_sdk.errors import PermissionDeniedError

from agent.client.sdk import ensure_assistant, memories
from agent.memory.write_lock import lock_thread_id
from agent.server.tokens import SECRET_ENV
from tests.conftest import AUTH_SECRET

ALL_TYPES = ["semantic", "profile", "collection"]
HOBBIES = [
    "archery", "baking", "chess", "diving", "fencing", "gardening", "hiking", "juggling",
    "knitting", "painting", "rowing", "sailing", "skiing", "surfing", "tennis", "yoga",
]


@pytest.mark.parametrize("memory_type", ALL_TYPES)
async def test_sixteen_concurrent_hot_path_writers_of_one_user_lose_no_fact(client, user, memory_type):
    assistant = await ensure_assistant(client, memory_type, write_mode="hot_path")
    threads = [(await client.threads.create())["thread_id"] for _ in HOBBIES]

    results = await asyncio.gather(*(
        client.runs.wait(thread, assistant, input={"messages": [{"role": "user", "content": f"I like {hobby}."}]})
        for thread, hobby in zip(threads, HOBBIES, strict=True)
    ))

    assert [r for r in results if "__error__" in r] == []
    stored = str(await memories(client, user, memory_type))
    assert [h for h in HOBBIES if h not in stored] == []


async def test_the_write_lease_is_taken_on_the_platform_released_and_not_a_clients_to_take(client, user, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, AUTH_SECRET)  # to compute the server's MAC'd lock-thread id
    assistant = await ensure_assistant(client, "profile", write_mode="hot_path")
    thread = (await client.threads.create())["thread_id"]
    result = await client.runs.wait(thread, assistant, input={"messages": [{"role": "user", "content": "I like chess."}]})
    assert "__error__" not in result

    lock = lock_thread_id(user, "profile")
    assert (await client.threads.get(lock))["metadata"]["purpose"] == "memory-lock"
    leases = await client.runs.list(lock)
    assert leases and {run["status"] for run in leases} == {"interrupted"}, "every lease was released"
    with pytest.raises(PermissionDeniedError):  # a client holding it could stall the user's writes
        await client.runs.create(lock, "chatbot", input={"messages": []}, multitask_strategy="reject", after_seconds=600)
