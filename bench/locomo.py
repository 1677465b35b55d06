"""Retrieval recall on LoCoMo through the project's own write path and retrieval.

    .venv/bin/python -m bench.locomo [--data ../shared/data/locomo10.json]

For each of the 10 conversations, the `observation` facts of both speakers are stored as one user's
collection memories through `agent.memory.kinds.save`, the function the memory writer stores with:
one write per session, recorded at the session's date (the fact's dia_id kept in the value), in a
store indexed as langgraph.json configures it. No model is called. Each question of categories 1-4
is asked two ways:
- `agent.memory.records.retrieval.search_memories`, top 10: a question's recall@k is the share of its
  evidence dia_ids that the top k memories carry;
- the answering path (`recall_for_prompt`, then `MemoryKind.fit`): the share of the evidence that the
  memory section of the prompt carries within a 4,000- and a 2,000-character budget;
- the answering path with episodes: every dialogue turn is also stored as an episode through
  `agent.memory.records.episodes.record`, the function the server uses (at the session's time, the turn's dia_id as its
  message id), and `agent.memory.api.recall_for_answer` fills the same budgets with facts and excerpts ranked
  together; its share of the evidence and latency are printed beside the facts-only path, in the same run.
Beside it, in the same run: plain cosine search of the same index with the question as query (the
published all-MiniLM-L6-v2 baseline: recall@5 54.5, recall@10 60.6; DRAGON in the LoCoMo paper, all
categories: 56.2 / 61.3; the observation facts cover 80.2% of the evidence, the ceiling).
Retrieval latency is timed with the question's embedding (as a chat turn pays it), then for top 10 again
with the question embedded beforehand: the store's search and the re-rank alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

from langchain_core.messages import HumanMessage
from langgraph.store.memory import InMemoryStore

from agent.memory.api import recall_for_answer, recall_for_prompt, save
from agent.memory.kinds import memory_kind
from agent.memory.records import episodes
from agent.memory.records.namespaces import memory_namespace
from agent.memory.records.retrieval import search_memories
from agent.stores.embeddings import embed
from bench.embedding_cache import Preembedded
from bench.locomo_data import CATEGORIES, DEFAULT_DATA, load, sessions

ROOT = Path(__file__).resolve().parent.parent

BUDGETS = (4000, 2000)


def project_store(embeddings=embed) -> InMemoryStore:
    index = json.loads((ROOT / "langgraph.json").read_text())["store"]["index"]
    return InMemoryStore(index={**index, "embed": embeddings})


def _dia_ids(value: dict) -> set[str]:
    dia = value.get("dia_id") or value.get("message_id")  # a fact's evidence, or the turn an episode is
    return set(dia) if isinstance(dia, list) else {dia} if isinstance(dia, str) else set()


async def store_turns(store, user: str, conversation: dict) -> int:
    """Every dialogue turn as an episode, at its session's time, through the server's own function."""
    count = 0
    for session in sessions(conversation):
        said = [HumanMessage(f"{turn['speaker']}: {turn['text']}", id=turn["dia_id"]) for turn in session.turns]
        count += len(await episodes.record(store, user, said, f"session-{session.number}", when=session.when))
    return count


def _recall(items, evidence: set[str]) -> float:
    covered = set().union(*(_dia_ids(item.value) for item in items)) if items else set()
    return len(evidence & covered) / len(evidence)


async def store_observations(store, user: str, conversation: dict) -> int:
    """The conversation's observation facts, one write per session at the session's time; returns the count."""
    dates = {s.number: s.when for s in sessions(conversation)}
    count = 0
    for name, speakers in conversation["observation"].items():
        number = int(name.split("_")[1])
        writes = [
            (f"{number}-{speaker}-{n}", {"content": fact, "context": None, "dia_id": dia})
            for speaker, facts in speakers.items()
            for n, (fact, dia) in enumerate(facts)
        ]
        await save(store, user, "collection", writes, recorded_at=dates[number])
        count += len(writes)
    return count


async def _timed(seconds: list[float], call):
    """Await ``call``, appending how long it took to ``seconds``; its result. The question's embedding is not
    cached from an earlier search: each timed path embeds it once, as a chat turn does."""
    embed.forget_queries()
    start = time.perf_counter()
    result = await call
    seconds.append(time.perf_counter() - start)
    return result


async def run(data: Path) -> None:
    conversations = load(data)
    kind = memory_kind("collection")
    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    latency: dict[str, list[float]] = defaultdict(list)
    shown_chars: dict[int, list[int]] = defaultdict(list)
    facts_total = turns_total = 0
    for conversation in conversations:
        embedder = Preembedded(embed)
        embedder.serving = False  # the question is embedded inside every timed search, as in production
        store = project_store(embedder)
        user = f"locomo-{conversation['sample_id']}"
        namespace = memory_namespace(user, "collection")
        facts_total += await store_observations(store, user, conversation)
        turns_total += await store_turns(store, user, conversation)
        asked = [qa for qa in conversation["qa"] if qa["category"] in CATEGORIES and qa.get("evidence")]
        for qa in asked:
            evidence, category = set(qa["evidence"]), CATEGORIES[qa["category"]]
            baseline = await _timed(latency["cosine, top 10"], store.asearch(namespace, query=qa["question"], limit=10))
            project = await _timed(latency["project, top 10"], search_memories(store, namespace, qa["question"], k=10))
            for name, items in (("cosine", baseline), ("project", project)):
                for k in (5, 10):
                    for group in ("all 1-4", category):
                        scores[(name, f"{group} @{k}")].append(_recall(items[:k], evidence))
            for budget in BUDGETS:
                embed.forget_queries()
                start = time.perf_counter()
                candidates = await recall_for_prompt(store, user, "collection", qa["question"], budget)
                shown = kind.fit(candidates, budget)
                latency[f"project, {budget:,} chars"].append(time.perf_counter() - start)
                shown_chars[budget].append(len("\n".join(line for _, line in shown)))
                for group in ("all 1-4", category):
                    scores[("prompt", f"{group} {budget}")].append(_recall([item for item, _ in shown], evidence))
                embed.forget_queries()
                start = time.perf_counter()
                recalled = await recall_for_answer(store, user, "collection", qa["question"], budget, set())
                latency[f"project with episodes, {budget:,} chars"].append(time.perf_counter() - start)
                shown_chars[-budget].append(len(recalled.text()))
                for group in ("all 1-4", category):
                    scores[("episodes", f"{group} {budget}")].append(_recall(recalled.items, evidence))
        embedder.add(qa["question"] for qa in asked)
        embedder.serving = True  # again, the store and the re-rank alone
        for qa in asked:
            await _timed(
                latency["cosine, top 10, the question embedded beforehand"],
                store.asearch(namespace, query=qa["question"], limit=10),
            )
            await _timed(
                latency["project, top 10, the question embedded beforehand"],
                search_memories(store, namespace, qa["question"], k=10),
            )

    questions = len(scores[("cosine", "all 1-4 @10")])
    print(
        f"LoCoMo: {len(conversations)} conversations, {facts_total} observation facts, {turns_total} turns "
        f"stored as episodes, {questions} questions (categories 1-4)\n"
    )
    print(f"{'recall':<22}{'cosine (baseline)':>19}{'project (hybrid)':>18}{'ratio':>8}")
    for label in ["all 1-4 @5", "all 1-4 @10"] + [f"{c} @10" for c in CATEGORIES.values()]:
        base = 100 * statistics.mean(scores[("cosine", label)])
        ours = 100 * statistics.mean(scores[("project", label)])
        print(f"{label:<22}{base:>18.1f}%{ours:>17.1f}%{ours / base:>8.2f}")
    print()
    for budget in BUDGETS:
        share = 100 * statistics.mean(scores[("prompt", f"all 1-4 {budget}")])
        by_category = ", ".join(
            f"{c} {100 * statistics.mean(scores[('prompt', f'{c} {budget}')]):.1f}%" for c in CATEGORIES.values()
        )
        print(f"recall within {budget:,} chars: {share:.1f}%")
        print(f"    ({by_category}; memory section {statistics.mean(shown_chars[budget]):.0f} chars on average)")
        with_episodes = 100 * statistics.mean(scores[("episodes", f"all 1-4 {budget}")])
        by_category = ", ".join(
            f"{c} {100 * statistics.mean(scores[('episodes', f'{c} {budget}')]):.1f}%" for c in CATEGORIES.values()
        )
        print(f"recall within {budget:,} chars, facts and episodes: {with_episodes:.1f}%")
        print(f"    ({by_category}; memory section {statistics.mean(shown_chars[-budget]):.0f} chars on average)")
    print()
    for name, seconds in latency.items():
        p50 = statistics.median(seconds) * 1000
        p95 = statistics.quantiles(seconds, n=20)[-1] * 1000
        print(f"retrieval latency, {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    asyncio.run(run(parser.parse_args().data))
