"""Retrieval with the project's index (all-MiniLM-L6-v2) and hybrid re-ranking."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from langgraph.store.base import SearchItem
from langgraph.store.memory import InMemoryStore

from agent.memory.api import recall_for_answer
from agent.memory.records.namespaces import memory_namespace
from agent.memory.records.retrieval import lexical_scores, rerank, search_memories
from agent.stores.embeddings import LocalEmbeddings
from tests.conftest import project_store
from tests.distractors import NEEDLE, QUESTION, food_distractors


async def test_paraphrased_question_finds_the_needle_among_200_same_topic_distractors():
    store = project_store()
    namespace = memory_namespace("lance", "collection")
    for i, text in enumerate(food_distractors(200)):
        store.put(namespace, f"d{i:03d}", {"content": text})
    store.put(namespace, "needle", {"content": NEEDLE})

    found = await search_memories(store, namespace, QUESTION, k=5)

    assert "needle" in [item.key for item in found]
    assert len(found) == 5


async def test_without_a_vector_index_every_item_is_ranked_lexically():
    store = InMemoryStore()
    namespace = memory_namespace("lance", "collection")
    for i in range(120):
        store.put(namespace, f"d{i:03d}", {"content": f"The user visited museum number {i}."})
    store.put(namespace, "boat", {"content": "The user owns a sailing boat named Osprey."})
    found = await search_memories(store, namespace, "Tell me about Osprey", k=3)
    assert found[0].key == "boat"


def test_lexical_scores_reward_rare_shared_words():
    texts = ["The boat Osprey is moored in Oslo.", "The user likes boats.", "The user likes trains.", "The user sails."]
    scores = lexical_scores("Where is Osprey moored?", texts)
    assert scores[0] > scores[1] == 0.0


def _scored(key: str, content: str, score: float) -> SearchItem:
    now = datetime.now(UTC)
    return SearchItem(("memory", "lance", "collection"), key, {"content": content}, now, now, score=score)


def test_words_much_of_the_pool_shares_with_the_question_do_not_outrank_meaning():
    # A paraphrased question shares no word with its answer, but "finish" and "training" with many candidates.
    pool = [_scored("needle", "The user dropped out of medical school.", 0.415)] + [
        _scored(f"d{i:02d}", f"The user's colleague finished a training session on day {i}.", 0.40 - 0.003 * i)
        for i in range(30)
    ]
    ranked = [item.key for item in rerank("Did I finish training as a doctor?", pool)]
    assert ranked.index("needle") < 3


def test_a_rare_word_the_question_repeats_still_lifts_its_memory():
    pool = [_scored("boat", "The boat Osprey is moored in Oslo.", 0.30)] + [
        _scored(f"d{i:02d}", f"The user sailed past harbour number {i}.", 0.36) for i in range(20)
    ]
    assert rerank("Where is Osprey moored?", pool)[0].key == "boat"


def test_an_empty_pool_ranks_to_nothing():
    assert rerank("Where is Osprey moored?", []) == []


class _CountingEmbeddings(LocalEmbeddings):
    """The project's embedder with a counted, slow stand-in for the model."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        time.sleep(0.05)  # long enough for a second search to ask while the first embeds
        self.embedded.extend(texts)
        return [[float(len(text)), 1.0] for text in texts]


async def test_a_turn_embeds_its_question_once_for_facts_and_episodes_searched_side_by_side():
    embedder = _CountingEmbeddings()
    store = InMemoryStore(index={"dims": 2, "embed": embedder, "fields": ["content"]})
    store.put(memory_namespace("lance", "collection"), "a", {"content": "The user owns a boat."}, index=False)

    await recall_for_answer(store, "lance", "collection", "Tell me about my boat", 4000, set())
    assert embedder.embedded == ["Tell me about my boat"], "one embedding of the question, shared by both searches"
    # The Postgres store embeds a search query as a list of one: that takes the same path.
    assert await embedder.aembed_documents(["Tell me about my boat"]) == [embedder.embed_query("Tell me about my boat")]
    assert embedder.embedded == ["Tell me about my boat"]
    await asyncio.gather(*(embedder.aembed_query("another question") for _ in range(3)))
    assert embedder.embedded.count("another question") == 1
    assert len(await embedder.aembed_documents(["two", "texts"])) == 2 and embedder.embedded[-2:] == ["two", "texts"]
