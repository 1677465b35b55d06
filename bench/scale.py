"""Recall and prompt size as one user's collection grows: the project's retrieval beside "the first 10 items".

    .venv/bin/python bench/scale.py [--sizes 10 100 1000 10000]

For each N, one user holds N collection memories in a store indexed as langgraph.json configures
it: 5 needle facts among same-topic distractors. Each needle is asked about by a paraphrase that
shares no content word with it. Per approach: the share of needles that reach the answering
prompt, the prompt's memory characters, and the retrieval's latency per answering turn (query
embedding + search + re-ranking), p50/p95. "vector" is the store's plain vector query (top 10 by
cosine), to show what the re-ranking adds. Printed, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from langgraph.store.base import PutOp  # noqa: E402
from langgraph.store.memory import InMemoryStore  # noqa: E402

from agent.context import Context  # noqa: E402
from agent.memory.embeddings import embed  # noqa: E402
from agent.memory.kinds import MEMORY_KINDS, recall  # noqa: E402
from agent.memory.store import memory_namespace  # noqa: E402

USER = "scale-user"
# (needle, paraphrased question sharing no content word with it)
NEEDLES = [
    ("The user is allergic to peanuts.", "Which snacks could make me sick?"),
    ("The user's daughter Maya studies marine biology in Lisbon.", "What is my kid learning at university?"),
    ("The user drives a vintage Volvo station wagon.", "What car do I own?"),
    ("The user was born in Nairobi, Kenya.", "Where is my hometown?"),
    ("The user plays cello in a community orchestra.", "Which musical instrument do I practise?"),
]
TOPICS = {
    "food": ("The user's {a} {v} {x} on {d}.", ["sister", "brother", "neighbour", "colleague", "cousin", "uncle"],
             ["cooked", "ordered", "recommended", "baked", "shared", "tasted"],
             ["lasagna", "ramen", "tacos", "curry", "paella", "risotto", "falafel", "dumplings", "pancakes"]),
    "family": ("The user's {a} {v} {x} on {d}.", ["aunt", "nephew", "niece", "grandmother", "godson", "stepbrother"],
               ["visited", "called", "wrote to", "met", "texted", "emailed"],
               ["Porto", "Denver", "Osaka", "Quito", "Tallinn", "Perth", "Leeds", "Haifa", "Austin"]),
    "cars": ("The user's {a} {v} a {x} on {d}.", ["friend", "landlord", "boss", "roommate", "coach", "dentist"],
             ["rented", "washed", "sold", "repaired", "test-drove", "parked"],
             ["red scooter", "blue pickup", "grey minivan", "white hatchback", "black sedan", "green coupe"]),
    "music": ("The user {v} {x} with their {a} on {d}.", ["partner", "flatmate", "classmate", "mentor", "teammate", "pal"],
              ["heard", "danced to", "streamed", "discussed", "hummed", "sang"],
              ["jazz", "techno", "opera", "reggae", "folk songs", "salsa", "punk", "gospel", "bluegrass"]),
}
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "a holiday", "a weekend"]


def distractors(count: int) -> list[str]:
    """``count`` distinct same-topic facts, interleaving the topics."""
    streams = [
        (template.format(a=a, v=v, x=x, d=d) for a, v, x, d in itertools.product(people, verbs, things, DAYS))
        for template, people, verbs, things in TOPICS.values()
    ]
    facts = [f for row in itertools.zip_longest(*streams) for f in row if f]
    if len(facts) < count:
        raise ValueError(f"only {len(facts)} distinct distractors")
    return facts[:count]


def project_store() -> InMemoryStore:
    index = json.loads((ROOT / "langgraph.json").read_text())["store"]["index"]
    return InMemoryStore(index={**index, "embed": embed})


async def measure(n: int) -> dict[str, tuple[float, float, float, float]]:
    store = project_store()
    namespace = memory_namespace(USER, "collection")
    texts = distractors(n - len(NEEDLES)) + [needle for needle, _ in NEEDLES]
    await store.abatch([PutOp(namespace, f"m{i:05d}", {"content": t, "context": None}) for i, t in enumerate(texts)])
    ctx, kind = Context(user_id=USER, memory_type="collection"), MEMORY_KINDS["collection"]

    async def project(question: str):
        return await recall(store, USER, "collection", question, ctx.memory_top_k)

    async def first_ten(question: str):
        return await store.asearch(namespace)  # the Store's default page, whatever the question

    async def plain_vector(question: str):
        return await store.asearch(namespace, query=question, limit=ctx.memory_top_k)

    results = {}
    for name, retrieve in (("project", project), ("vector", plain_vector), ("first 10", first_ten)):
        await retrieve("warm-up")
        hits, chars, seconds = 0, [], []
        for _ in range(4):  # repeated for the latency percentiles
            for needle, question in NEEDLES:
                start = time.perf_counter()
                items = await retrieve(question)
                prompt = kind.render(items, ctx.memory_char_budget)
                seconds.append(time.perf_counter() - start)
                hits += needle in prompt
                chars.append(len(prompt))
        p95 = statistics.quantiles(seconds, n=20)[-1]
        results[name] = (hits / len(seconds), statistics.mean(chars), statistics.median(seconds), p95)
    return results


async def main(sizes: list[int]) -> None:
    print(f"{'N':>7} {'approach':>9} {'needle recall':>14} {'prompt chars':>13} {'p50 ms':>8} {'p95 ms':>8}")
    print(f"{'':>7} (latency: query embedding + store search + re-ranking + rendering, per answering turn)")
    baseline_chars = None
    for n in sizes:
        for name, (recall_share, chars, p50, p95) in (await measure(n)).items():
            print(f"{n:>7} {name:>9} {recall_share * 100:>13.0f}% {chars:>13.0f} {p50 * 1000:>8.1f} {p95 * 1000:>8.1f}")
            if name == "project":
                baseline_chars = baseline_chars or chars
                growth = chars / baseline_chars
        print(f"{'':>7} prompt size vs N={sizes[0]} (project): {growth:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10000])
    asyncio.run(main(parser.parse_args().sizes))
