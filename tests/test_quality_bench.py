"""bench/quality.py end to end against the test server (auth on) and the scripted model: a smoke run.

The figures mean nothing here; the pipeline is real: sessions ingested through chat runs and memory
writes, questions answered in fresh threads, answers graded by the judge prompt, reported and written out.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent.client.sdk import connect
from agent.memory.queue.writer_threads import WRITER_OF
from agent.secret import SECRET_ENV
from agent.server.tokens import mint
from bench.locomo_data import DEFAULT_DATA
from bench.quality import parser, run
from tests.conftest import AUTH_SECRET

# One event loop for the module: the OpenAI client keeps its HTTP connections (bound to a loop) across models.
pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.server]

TWO_SESSIONS: dict[str, Any] = {
    "sample_id": "smoke-1",
    "conversation": {
        "speaker_a": "Lance",
        "speaker_b": "Ana",
        "session_1_date_time": "1:56 pm on 8 May, 2023",
        "session_1": [
            {"speaker": "Lance", "dia_id": "D1:1", "text": "Hi Ana! I'm Lance. I live in Boston."},
            {"speaker": "Ana", "dia_id": "D1:2", "text": "Nice to meet you, Lance!"},
        ],
        "session_2_date_time": "7:10 pm on 20 May, 2023",
        "session_2": [
            {
                "speaker": "Lance",
                "dia_id": "D2:1",
                "text": "I work as a teacher now.",
                "blip_caption": "a photo of a classroom",
            },
            {"speaker": "Ana", "dia_id": "D2:2", "text": "I was in Paris last week."},
        ],
    },
    "qa": [
        {"question": "Where does Lance live?", "answer": "Boston", "evidence": ["D1:1"], "category": 4},
        {"question": "What does Lance do for a living?", "answer": "teacher", "evidence": ["D2:1"], "category": 1},
        {"question": "Which city did Ana visit?", "answer": "Paris", "evidence": ["D2:2"], "category": 2},
        {"question": "When did Lance move to Boston?", "answer": "2019", "evidence": ["D1:1"], "category": 2},
        {"question": "What is Lance's cat called?", "adversarial_answer": "Miso", "evidence": ["D1:1"], "category": 5},
    ],
}


@pytest.fixture
def judge_on_scripted_endpoint(endpoint, monkeypatch):
    """The judge runs in this process: point its OpenAI client at the scripted endpoint."""
    monkeypatch.setenv("OPENAI_BASE_URL", endpoint.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "scripted-test-key")
    monkeypatch.delenv(SECRET_ENV, raising=False)
    return "openai:scripted-judge"


async def test_quality_bench_ingests_answers_grades_and_writes_out(server, user, judge_on_scripted_endpoint, tmp_path):
    data, out = tmp_path / "locomo.json", tmp_path / "results.json"
    data.write_text(json.dumps([TWO_SESSIONS]))
    token = mint(user, secret=AUTH_SECRET)
    args = parser().parse_args(
        [
            "--url",
            server.url,
            "--token",
            token,
            "--data",
            str(data),
            "--conversations",
            "1",
            "--judge-model",
            judge_on_scripted_endpoint,
            "--out",
            str(out),
        ]
    )
    result = await run(args)

    assert result["ingested"] == [{"conversation": "smoke-1", "sessions": 2, "failed_writes": 0}]
    records = result["questions"]
    assert [r["question"] for r in records] == [qa["question"] for qa in TWO_SESSIONS["qa"][:4]], "categories 1-4 only"
    # Ana's trip is no fact about the user, but the conversation that mentions it is recalled (an episode);
    # when Lance moved was never said.
    assert [r["label"] for r in records] == ["CORRECT", "CORRECT", "CORRECT", "WRONG"]
    assert "Boston" in records[0]["memory"] and "teacher" in records[1]["memory"] and "Paris" in records[2]["memory"]
    assert all(r["memory_tokens"] > 0 and r["latency_s"] > 0 for r in records)
    assert records[0]["f1"] > 0 and records[3]["f1"] == 0
    summary = result["summary"]
    assert summary["overall"]["n"] == 4 and summary["overall"]["J"] == pytest.approx(75)
    assert summary["single-hop"]["J"] == 100 and summary["temporal"]["J"] == 50
    assert json.loads(out.read_text())["questions"][0]["answer"] == records[0]["answer"]

    client = connect(server.url, token)
    writer_threads = await client.threads.search(metadata={WRITER_OF: user})
    assert writer_threads, "the answering runs queued memory writes"
    for thread in writer_threads:
        pending = await client.runs.list(thread["thread_id"], status="pending")
        assert pending == [], "the answering runs' memory writes are cancelled"
    stored = await client.store.search_items(["memory", user, "collection"], limit=100)
    assert not any("Where does" in str(item["value"]) for item in stored["items"])


async def test_quality_bench_refuses_a_user_with_memories(server, client, user, judge_on_scripted_endpoint, tmp_path):
    await client.store.put_item(["memory", user, "collection"], "old", {"content": "The user likes tea."})
    data = tmp_path / "locomo.json"
    data.write_text(json.dumps([TWO_SESSIONS]))
    args = parser().parse_args(
        [
            "--url",
            server.url,
            "--token",
            mint(user, secret=AUTH_SECRET),
            "--data",
            str(data),
            "--judge-model",
            judge_on_scripted_endpoint,
        ]
    )
    with pytest.raises(SystemExit, match="already has collection memories"):
        await run(args)


@pytest.mark.skipif(not DEFAULT_DATA.exists(), reason="../shared/data/locomo10.json is not beside the repository")
async def test_quality_bench_on_locomo_mints_a_user_per_conversation(
    server, judge_on_scripted_endpoint, monkeypatch, tmp_path
):
    monkeypatch.setenv(SECRET_ENV, AUTH_SECRET)
    args = parser().parse_args(
        [
            "--url",
            server.url,
            "--conversations",
            "1",
            "--sessions",
            "2",
            "--questions",
            "2",
            "--judge-model",
            judge_on_scripted_endpoint,
            "--out",
            str(tmp_path / "results.json"),
        ]
    )
    result = await run(args)
    assert result["ingested"][0]["sessions"] == 2 and result["ingested"][0]["failed_writes"] == 0
    assert len(result["questions"]) == 2
    assert all(r["label"] in ("CORRECT", "WRONG") and r["answer"] for r in result["questions"])
    assert all(set(r["evidence"]) <= {f"D{s}:{t}" for s in (1, 2) for t in range(1, 100)} for r in result["questions"])
