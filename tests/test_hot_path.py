"""Hot-path writes (memory written inside the chat run) through `langgraph dev --n-jobs-per-worker 10`."""

from __future__ import annotations

import asyncio

import pytest

from agent.client.sdk import ensure_assistant, memories
from agent.memory.write_lock import lock_thread_id, platform_lock

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


async def test_a_write_waits_for_the_lease_another_process_holds(client, user):
    """The lock is the platform's run queue, so a holder outside the server (this test) blocks its writes too."""
    assistant = await ensure_assistant(client, "profile", write_mode="hot_path")
    thread = (await client.threads.create())["thread_id"]
    async with platform_lock(client, user, "profile"):
        chat = asyncio.create_task(
            client.runs.wait(thread, assistant, input={"messages": [{"role": "user", "content": "I like chess."}]})
        )
        await asyncio.sleep(3)
        assert not chat.done(), "the hot-path write did not wait for the lease"
        assert await memories(client, user, "profile") == []
    result = await asyncio.wait_for(chat, 30)
    assert "__error__" not in result
    assert (await memories(client, user, "profile"))[0]["value"]["interests"] == ["chess"]
    assert (await client.threads.get(lock_thread_id(user, "profile")))["metadata"]["purpose"] == "memory-lock"
