"""Find the memories that matter for a query: vector search, re-ranked with lexical overlap.

The Store's semantic index (configured in langgraph.json) supplies a candidate pool ranked by
cosine similarity; BM25 over the pool re-ranks it, so names and rare words the user repeats count
too. Two signals from when an item was recorded (``agent.memory.records.timeline``) follow: a date the query
names favours what was recorded then, and a relevant item lifts the items stored by the same write
(one conversation's facts answer together). Without an index the Store returns items unranked: then
every item is read (paged) and ranked lexically, which is correct but grows with the collection.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from langchain_core.messages import AnyMessage
from langgraph.store.base import BaseStore, Item, SearchItem

from agent.memory.records.namespaces import list_all
from agent.memory.records.timeline import batch_of, recorded_within
from agent.words import terms

POOL_PER_RESULT = 5
MIN_POOL = 50
MAX_POOL = 300
LEXICAL_WEIGHT = 0.13  # per word the query shares with this candidate alone
DATE_WEIGHT = 0.3  # recorded in a period the query names
BATCH_WEIGHT = 0.7  # times the best score among the items stored by the same write
QUERY_MESSAGES = 2


@lru_cache(maxsize=20_000)
def _term_counts(text: str) -> tuple[dict[str, int], int]:
    """How often each term occurs in ``text``, and its number of terms; kept, since the same memories come
    back in the candidate pools of many queries."""
    found = terms(text)
    return dict(Counter(found)), len(found)


def item_text(item: Item) -> str:
    """The searchable text of a memory item."""
    value = item.value
    return " ".join(str(value[f]) for f in ("content", "context") if value.get(f))


def lexical_scores(query: str, texts: Sequence[str]) -> list[float]:
    """BM25 of ``query`` against each text, with document frequencies taken from ``texts``."""
    docs = [_term_counts(t) if len(t) <= 2_000 else _term_counts.__wrapped__(t) for t in texts]
    if not docs:
        return []
    wanted = set(terms(query))
    frequency: Counter[str] = Counter()
    for counts, _ in docs:
        frequency.update(wanted.intersection(counts))
    average = sum(length for _, length in docs) / len(docs) or 1.0
    idf = {term: _idf(len(docs), n) for term, n in frequency.items()}
    scores = []
    for counts, length in docs:
        score = 0.0
        for term in idf.keys() & counts.keys():
            tf = counts[term]
            score += idf[term] * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / average))
        scores.append(score)
    return scores


def _idf(texts: int, containing: int) -> float:
    """Robertson-Sparck Jones weight: a word found in half the texts or more is no evidence for any of them."""
    odds = (texts - containing + 0.5) / (containing + 0.5)
    return math.log(odds) if odds > 1 else 0.0


def rerank(query: str, items: Sequence[SearchItem]) -> list[SearchItem]:
    """``items`` ordered by relevance to ``query``.

    An item's score is its cosine score, plus BM25 counted in words shared with that item alone (the
    unit is fixed by the pool, not by its best match: when the question shares only words that many
    candidates hold, "called" or "team", no candidate gets the full lexical weight for them), plus a
    bonus when it was recorded in a period the query names; to it is added a share of the best such
    score among the items stored by the same write (an item stored alone counts as its own write).
    """
    lexical = lexical_scores(query, [item_text(i) for i in items])
    unit = _idf(len(items), 1) or 1.0
    dated = recorded_within(query, list(items))
    scores = [
        (item.score or 0.0) + LEXICAL_WEIGHT * lex / unit + DATE_WEIGHT * in_period
        for item, lex, in_period in zip(items, lexical, dated, strict=True)
    ]
    best_of_batch: dict[str, float] = {}
    for item, score in zip(items, scores, strict=True):
        if (batch := batch_of(item)) is not None:
            best_of_batch[batch] = max(score, best_of_batch.get(batch, score))
    combined = [
        score + BATCH_WEIGHT * (best_of_batch[batch] if (batch := batch_of(item)) is not None else score)
        for item, score in zip(items, scores, strict=True)
    ]
    order = sorted(range(len(items)), key=lambda i: combined[i], reverse=True)
    return [items[i] for i in order]


async def search_memories(store: BaseStore, namespace: tuple[str, ...], query: str, k: int) -> list[Item]:
    """The ``k`` items of ``namespace`` most relevant to ``query``."""
    if k <= 0:
        return []
    pool = min(max(k * POOL_PER_RESULT, MIN_POOL), max(MAX_POOL, k))
    candidates = await store.asearch(namespace, query=query or None, limit=pool)
    if candidates and candidates[0].score is None and len(candidates) == pool:
        candidates = await list_all(store, namespace)  # no vector index: rank everything lexically
    candidates = [c for c in candidates if tuple(c.namespace) == namespace]
    ranked: list[Item] = [*rerank(query, candidates)[:k]]
    return ranked


def query_from(messages: Sequence[AnyMessage], count: int = QUERY_MESSAGES) -> str:
    """A search query from the user's last ``count`` messages."""
    said = [m.text for m in messages if m.type == "human" and m.text.strip()]
    return "\n".join(said[-count:])
