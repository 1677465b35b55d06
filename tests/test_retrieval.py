"""Retrieval with the project's index (all-MiniLM-L6-v2) and hybrid re-ranking."""

from __future__ import annotations

from agent.memory.retrieval import lexical_scores, search_memories
from agent.memory.store import memory_namespace
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
    from langgraph.store.memory import InMemoryStore

    store = InMemoryStore()
    namespace = memory_namespace("lance", "collection")
    for i in range(120):
        store.put(namespace, f"d{i:03d}", {"content": f"The user visited museum number {i}."})
    store.put(namespace, "boat", {"content": "The user owns a sailing boat named Osprey."})
    found = await search_memories(store, namespace, "Tell me about Osprey", k=3)
    assert found[0].key == "boat"


def test_lexical_scores_reward_rare_shared_words():
    scores = lexical_scores("Where is Osprey moored?", ["The boat Osprey is moored in Oslo.", "The user likes boats."])
    assert scores[0] > scores[1] == 0.0
