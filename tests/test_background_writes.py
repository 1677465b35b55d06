"""Memory written off the hot path, through `langgraph dev --n-jobs-per-worker 10`."""

from __future__ import annotations

import asyncio
import json

import pytest

from agent.client.sdk import (
    RunFailed,
    ensure_assistant,
    memories,
    send,
    wait_for_memory,
)
from agent.memory.kinds import MEMORY_TYPES
from tests.shared_data import HOBBIES


def _message(text: str) -> dict:
    return {"messages": [{"role": "user", "content": text}]}


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_sixteen_threads_of_one_user_lose_no_fact(client, user, memory_type):
    assistant = await ensure_assistant(client, memory_type, memory_delay_seconds=0.5)
    threads = [(await client.threads.create())["thread_id"] for _ in HOBBIES]

    await asyncio.gather(
        *(
            client.runs.wait(thread, assistant, input=_message(f"I like {hobby}."), context={"user_id": user})
            for thread, hobby in zip(threads, HOBBIES, strict=False)
        )
    )
    for thread in threads:
        await wait_for_memory(client, thread)

    stored = str(await memories(client, user, memory_type))
    assert [h for h in HOBBIES if h not in stored] == []


async def test_reply_arrives_before_its_memory_is_written(client, user, endpoint):
    assistant = await ensure_assistant(client, "collection", memory_delay_seconds=3)
    thread = (await client.threads.create())["thread_id"]

    def extractions_of_this_message() -> list[dict]:
        return [r for r in endpoint.extraction_requests() if "Zurich" in json.dumps(r["messages"])]

    result = await client.runs.wait(thread, assistant, input=_message("I live in Zurich."), context={"user_id": user})

    assert result["messages"][-1]["type"] == "ai"
    queued = result["memory_write"]
    assert (await client.runs.get(queued["thread_id"], queued["run_id"]))["status"] == "pending"
    assert await memories(client, user, "collection") == []
    assert extractions_of_this_message() == [], "extraction ran on the critical path"

    await wait_for_memory(client, thread)
    assert len(extractions_of_this_message()) == 1
    assert "Zurich" in str(await memories(client, user, "collection"))
    reply = await send(client, assistant, (await client.threads.create())["thread_id"], user, "Where do I live?")
    assert "Zurich" in reply


async def test_failed_extraction_is_reported_keeps_memory_and_is_retried(client, user, endpoint):
    assistant = await ensure_assistant(client, "profile", memory_delay_seconds=0)
    thread = (await client.threads.create())["thread_id"]
    await send(client, assistant, thread, user, "I'm Dana and I live in Oslo.")
    await wait_for_memory(client, thread)
    before = await memories(client, user, "profile")
    assert before[0]["value"]["location"] == "Oslo"

    endpoint.fail_if = lambda request: "<conversation>" in json.dumps(request.get("messages"))
    await send(client, assistant, thread, user, "I moved to Rome.")
    with pytest.raises(RunFailed):
        await wait_for_memory(client, thread)
    after_failure = await memories(client, user, "profile")
    assert [i["value"] for i in after_failure] == [i["value"] for i in before]

    endpoint.fail_if = None
    await send(client, assistant, thread, user, "I like chess.")
    await wait_for_memory(client, thread)
    profile = (await memories(client, user, "profile"))[0]["value"]
    assert profile["location"] == "Rome", "the failed write's message was retried with the next one"
    assert "chess" in profile["interests"] and profile["name"] == "Dana"
