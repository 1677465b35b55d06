"""Retrieval recall on LoCoMo through the project's own write path and retrieval.

    .venv/bin/python bench/locomo.py [--data ../shared/data/locomo10.json]

For each of the 10 conversations, the `observation` facts of both speakers are stored as one
user's collection memories (the project's namespace and value layout, the fact's dia_id kept in
the value) in a store indexed as langgraph.json configures it. Each question of categories 1-4 is
asked through `agent.memory.retrieval.search_memories`; a question's recall@k is the share of its
evidence dia_ids that the top k memories carry. Beside it, in the same run: plain cosine search
of the same index with the question as query (the published all-MiniLM-L6-v2 baseline:
recall@5 54.5, recall@10 60.6; DRAGON in the LoCoMo paper, all categories: 56.2 / 61.3; the
observation facts cover 80.2% of the evidence, the ceiling).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from langgraph.store.base import PutOp  # noqa: E402
from langgraph.store.memory import InMemoryStore  # noqa: E402

from agent.memory.embeddings import embed  # noqa: E402
from agent.memory.retrieval import search_memories  # noqa: E402
from agent.memory.store import memory_namespace  # noqa: E402

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}


def project_store() -> InMemoryStore:
    index = json.loads((ROOT / "langgraph.json").read_text())["store"]["index"]
    return InMemoryStore(index={**index, "embed": embed})


def _dia_ids(value: dict) -> set[str]:
    dia = value.get("dia_id")
    return set(dia) if isinstance(dia, list) else {dia}


def _recall(items, evidence: set[str], k: int) -> float:
    covered = set().union(*(_dia_ids(item.value) for item in items[:k])) if items else set()
    return len(evidence & covered) / len(evidence)


async def run(data: Path) -> None:
    conversations = json.loads(data.read_text())
    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    latency: dict[str, list[float]] = defaultdict(list)
    facts_total = 0
    for conversation in conversations:
        store = project_store()
        namespace = memory_namespace(f"locomo-{conversation['sample_id']}", "collection")
        ops = [
            PutOp(namespace, f"{session}-{speaker}-{n}", {"content": fact, "context": None, "dia_id": dia})
            for session, speakers in conversation["observation"].items()
            for speaker, facts in speakers.items()
            for n, (fact, dia) in enumerate(facts)
        ]
        facts_total += len(ops)
        await store.abatch(ops)
        for qa in conversation["qa"]:
            if qa["category"] not in CATEGORIES or not qa.get("evidence"):
                continue
            evidence, category = set(qa["evidence"]), CATEGORIES[qa["category"]]
            start = time.perf_counter()
            baseline = await store.asearch(namespace, query=qa["question"], limit=10)
            latency["cosine"].append(time.perf_counter() - start)
            start = time.perf_counter()
            project = await search_memories(store, namespace, qa["question"], k=10)
            latency["project"].append(time.perf_counter() - start)
            for name, items in (("cosine", baseline), ("project", project)):
                for k in (5, 10):
                    for group in ("all 1-4", category):
                        scores[(name, f"{group} @{k}")].append(_recall(items, evidence, k))

    questions = len(scores[("cosine", "all 1-4 @10")])
    print(f"LoCoMo: {len(conversations)} conversations, {facts_total} observation facts, {questions} questions (categories 1-4)\n")
    print(f"{'recall':<22}{'cosine (baseline)':>19}{'project (hybrid)':>18}{'ratio':>8}")
    for label in ["all 1-4 @5", "all 1-4 @10"] + [f"{c} @10" for c in CATEGORIES.values()]:
        base = 100 * statistics.mean(scores[("cosine", label)])
        ours = 100 * statistics.mean(scores[("project", label)])
        print(f"{label:<22}{base:>18.1f}%{ours:>17.1f}%{ours / base:>8.2f}")
    for name in ("cosine", "project"):
        p50 = statistics.median(latency[name]) * 1000
        p95 = statistics.quantiles(latency[name], n=20)[-1] * 1000
        print(f"\nretrieval latency, {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms", end="")
    print()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "locomo10.json")
    asyncio.run(run(parser.parse_args().data))
