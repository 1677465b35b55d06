"""A user's memory health: what the guards did to the model's writes, and near-duplicate facts.

Counters per user, under ("memory", <user>, "health") / "counts": memory writes saved, stored facts kept that
a write would have dropped (repairs), new facts held for the user's review (held: no words of theirs behind
them, a misreading, or not confirmed), facts left out as never said (unsupported: the word check of before
grounding, no longer counted), and extractions refused whole (no choice made, an impossible patch).
The user's write lock orders the updates; "forget
everything" deletes them with the rest of the user's data. A user who writes into them through the store API
changes only their own report.

Near-duplicates: two facts of one kind whose claims (`agent.memory.records.facts.claim`: their words, the frame
left out) overlap by at least ``NEAR_DUPLICATE`` (Jaccard: shared words over all words), the same fact
stored twice in other words ('The user likes green tea' and 'The user enjoys green tea'). Identical facts
count too.
"""

from __future__ import annotations

from itertools import combinations

from langgraph.store.base import BaseStore

from agent.memory.kinds import STORED_KINDS
from agent.memory.records.facts import claim
from agent.stores.layout import space

HEALTH = "health"
KEY = "counts"
LEFT_OUT = "left_out"
"""The key of the counts of what each never-keep rule left out: {rule topic: facts and messages}."""
COUNTERS = ("writes", "repairs", "held", "unsupported", "refusals")
NEAR_DUPLICATE = 0.6
MOST_COMPARED = 2_000  # facts per kind compared pairwise; a larger memory is compared on its first ones


def namespace(user_id: str) -> tuple[str, ...]:
    return space(user_id).health


def counts_of(value: object) -> dict[str, int]:
    """The counters in a stored value, whatever shape a client left it in."""
    found = value if isinstance(value, dict) else {}
    return {name: n if isinstance(n := found.get(name), int) and n >= 0 else 0 for name in COUNTERS}


async def count(store: BaseStore, user_id: str, **added: int) -> None:
    """Add to ``user_id``'s counters (hold the user's write lock)."""
    if not any(added.values()):
        return
    current = await store.aget(namespace(user_id), KEY)
    counts = counts_of(current.value if current else None)
    for name, n in added.items():
        counts[name] += n
    await store.aput(namespace(user_id), KEY, counts, index=False)


def left_out_of(value: object) -> dict[str, int]:
    """The never-keep counts in a stored value, whatever shape a client left it in."""
    found = value if isinstance(value, dict) else {}
    return {str(topic): n for topic, n in found.items() if isinstance(n, int) and n > 0}


async def count_left_out(store: BaseStore, user_id: str, by_topic: dict[str, int]) -> None:
    """Add to what each never-keep rule left out (hold the user's write lock)."""
    if not by_topic:
        return
    current = await store.aget(namespace(user_id), LEFT_OUT)
    counts = left_out_of(current.value if current else None)
    for topic, n in by_topic.items():
        counts[topic] = counts.get(topic, 0) + n
    await store.aput(namespace(user_id), LEFT_OUT, counts, index=False)


def near_duplicates(memories: dict[str, list[dict]]) -> list[dict]:
    """Pairs of facts, within each kind, similar enough to be one fact twice:
    [{"memory_type", "facts": [text, text], "similarity"}]."""
    pairs = []
    for memory_type, items in memories.items():
        kind = STORED_KINDS.get(memory_type)
        if kind is None:
            continue
        facts = [(fact, words) for item in items for fact in kind.facts(item["value"]) if (words := claim(fact))]
        for (a, a_words), (b, b_words) in combinations(facts[:MOST_COMPARED], 2):
            similarity = len(a_words & b_words) / len(a_words | b_words)
            if similarity >= NEAR_DUPLICATE:
                pairs.append(
                    {"memory_type": memory_type, "facts": [a.text, b.text], "similarity": round(similarity, 2)}
                )
    return pairs
