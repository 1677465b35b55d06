"""Hot-path writes (memory written inside the chat run) through `langgraph dev --n-jobs-per-worker 10`."""

from __future__ import annotations

import asyncio

import pytest
from langgraph_sdk.errors import PermissionDeniedError

from agent.client.sdk import connect, ensure_assistant, memories, user_says, wait_for_memory
from agent.memory.kinds import MEMORY_TYPES
from agent.memory.queue.write_lock import lock_thread_id
from agent.secret import SECRET_ENV
from agent.server.tokens import mint
from tests.conftest import AUTH_SECRET
from tests.server import dev_server
from tests.shared_data import HOBBIES


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_sixteen_concurrent_hot_path_writers_of_one_user_lose_no_fact(client, user, memory_type):
    assistant = await ensure_assistant(client, memory_type, write_mode="hot_path")
    threads = [(await client.threads.create())["thread_id"] for _ in HOBBIES]

    results = await asyncio.gather(
        *(
            client.runs.wait(thread, assistant, input={"messages": [{"role": "user", "content": f"I like {hobby}."}]})
            for thread, hobby in zip(threads, HOBBIES, strict=True)
        )
    )

    assert [r for r in results if "__error__" in r] == []
    stored = str(await memories(client, user, memory_type))
    assert [h for h in HOBBIES if h not in stored] == []


async def test_the_write_lease_is_taken_on_the_platform_released_and_not_a_clients_to_take(client, user, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, AUTH_SECRET)  # to compute the server's MAC'd lock-thread id
    assistant = await ensure_assistant(client, "profile", write_mode="hot_path")
    thread = (await client.threads.create())["thread_id"]
    result = await client.runs.wait(
        thread, assistant, input={"messages": [{"role": "user", "content": "I like chess."}]}
    )
    assert "__error__" not in result

    lock = lock_thread_id(user, "profile")
    assert (await client.threads.get(lock))["metadata"]["purpose"] == "memory-lock"
    leases = await client.runs.list(lock)
    assert leases and {run["status"] for run in leases} == {"interrupted"}, "every lease was released"
    with pytest.raises(PermissionDeniedError):  # a client holding it could stall the user's writes
        await client.runs.create(
            lock, "chatbot", input={"messages": []}, multitask_strategy="reject", after_seconds=600
        )


@pytest.mark.server
async def test_one_job_per_worker_runs_hot_path_and_background_writes_without_deadlock(endpoint, user, tmp_path):
    """`langgraph dev`'s default: a chat run holding the only job slot still gets the lease (it needs no slot)."""
    env = {"OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": "scripted", SECRET_ENV: AUTH_SECRET}
    with dev_server(tmp_path, env, n_jobs_per_worker=1) as single:
        client = connect(single.url, mint(user, secret=AUTH_SECRET))
        hot = await ensure_assistant(client, "profile", write_mode="hot_path")
        background = await ensure_assistant(client, "profile", memory_delay_seconds=0)
        threads = [(await client.threads.create())["thread_id"] for _ in range(3)]
        said = [(hot, "I like chess."), (hot, "I like go."), (background, "I like tea.")]
        results = await asyncio.wait_for(
            asyncio.gather(
                *(
                    client.runs.wait(thread, assistant, input=user_says(text))
                    for thread, (assistant, text) in zip(threads, said, strict=True)
                )
            ),
            timeout=120,
        )
        assert [r for r in results if "__error__" in r] == []
        await asyncio.wait_for(wait_for_memory(client, threads[2]), timeout=60)
        assert sorted((await memories(client, user, "profile"))[0]["value"]["interests"]) == ["chess", "go", "tea"]
