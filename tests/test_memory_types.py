"""Each memory type, in process: facts cross threads, corrections replace, collections scale past 10."""

from __future__ import annotations

from datetime import datetime

import pytest

from agent.memory.kinds import MEMORY_TYPES
from agent.memory.records.namespaces import memory_namespace
from devtools.scripted_brain import SENTENCES


def _stored_text(store, user: str, memory_type: str) -> str:
    items = store.search(memory_namespace(user, memory_type), limit=1000)
    return "\n".join(str(item.value) for item in items)


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_fact_from_one_thread_reaches_the_next_threads_prompt(chat, store, scripted_model, memory_type):
    await chat("Hi, I'm Lance. I live in San Francisco and I like biking.", user="lance", memory_type=memory_type)

    stored = _stored_text(store, "lance", memory_type)
    assert "Lance" in stored and "San Francisco" in stored and "biking" in stored

    scripted_model.prompts.clear()
    reply = await chat("What do you know about me?", user="lance", memory_type=memory_type)
    answering_prompt = scripted_model.prompt_texts()[0]
    assert "What you remember about the user:" in answering_prompt
    assert "Lance" in answering_prompt and "San Francisco" in answering_prompt
    assert "Lance" in reply and "San Francisco" in reply


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_users_do_not_share_memory(chat, store, scripted_model, memory_type):
    await chat("Hi, I'm Lance and I live in Paris.", user="lance", memory_type=memory_type)
    scripted_model.prompts.clear()
    reply = await chat("Who am I?", user="ana", memory_type=memory_type)
    assert "Lance" not in scripted_model.prompt_texts()[0]
    assert "Lance" not in reply
    assert store.search(memory_namespace("ana", memory_type)) == []


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_correction_replaces_the_old_fact(chat, store, memory_type):
    await chat("Hi, I'm Lance and I live in San Francisco.", user="lance", memory_type=memory_type)
    await chat("I moved to Boston.", user="lance", memory_type=memory_type)
    stored = _stored_text(store, "lance", memory_type)
    assert "Boston" in stored
    assert "San Francisco" not in stored
    assert "Lance" in stored


async def test_profile_is_one_document_patched_in_place(chat, store):
    await chat("Hi, I'm Lance and I live in San Francisco. I like biking.", user="lance", memory_type="profile")
    await chat("I moved to Boston. I love sailing.", user="lance", memory_type="profile")
    items = store.search(memory_namespace("lance", "profile"))
    assert [item.key for item in items] == ["profile"]
    assert items[0].value["name"] == "Lance"
    assert items[0].value["location"] == "Boston"
    assert items[0].value["interests"] == ["biking", "sailing"]


async def test_collection_update_past_ten_items_patches_the_existing_key(chat, store, scripted_model):
    namespace = memory_namespace("lance", "collection")
    hobbies = [f"hobby number {i}" for i in range(11)]
    for i, hobby in enumerate(hobbies):
        store.put(namespace, f"hobby-{i:02d}", {"content": SENTENCES["interests"].format(hobby)})
    store.put(namespace, "where", {"content": SENTENCES["location"].format("San Francisco")})
    assert len(store.search(namespace, limit=100)) == 12
    # The item to update is beyond the Store's default page of 10.
    assert "where" not in [item.key for item in store.search(namespace)]

    await chat("I moved to Boston.", user="lance", memory_type="collection")

    items = {item.key: item.value for item in store.search(namespace, limit=100)}
    assert len(items) == 12, "an update must not insert a duplicate"
    assert items["where"]["content"] == "The user lives in Boston."
    assert all("San Francisco" not in v["content"] for v in items.values())


async def test_collection_prompt_fills_the_char_budget_with_the_most_relevant_items(chat, store, scripted_model):
    namespace = memory_namespace("lance", "collection")
    for i in range(30):
        store.put(namespace, f"fact-{i:02d}", {"content": f"The user once read book number {i:02d}."})
    store.put(namespace, "pet", {"content": "The user has a cat called Miso."})
    scripted_model.prompts.clear()
    await chat(
        "Do you remember my cat?", user="lance", memory_type="collection", memory_top_k=4, memory_char_budget=300
    )
    memory = (
        scripted_model.prompt_texts()[0]
        .split("What you remember about the user:\n")[1]
        .split("\n\nHow the user wants you to answer")[0]
    )
    lines = memory.splitlines()
    assert lines[0] == "The user has a cat called Miso.", "the most relevant memory comes first"
    assert len(memory) <= 300
    book_line = len("The user once read book number 00.")
    assert len(memory) + 1 + book_line > 300, "the budget is filled: one more memory would not fit"
    assert len(lines) > 4, "memory_top_k bounds what the extractor sees, not the answering prompt"


def test_a_memory_too_long_for_what_is_left_is_passed_over_for_shorter_ones():
    from langgraph.store.base import Item

    from agent.memory.kinds import memory_kind

    def item(key, content):
        return Item(
            value={"content": content},
            key=key,
            namespace=("memory", "lance", "collection"),
            created_at=datetime.fromisoformat("2026-01-01T00:00:00+00:00"),
            updated_at=datetime.fromisoformat("2026-01-01T00:00:00+00:00"),
        )

    ranked = [item("a", "A" * 40), item("long", "L" * 80), item("b", "B" * 40), item("c", "C" * 40)]
    shown = memory_kind("collection").fit(ranked, 100)
    assert [i.key for i, _ in shown] == ["a", "b"], "the long one is skipped; newlines count: 40+1+40 <= 100"
    assert len("\n".join(line for _, line in shown)) <= 100
    alone = memory_kind("collection").fit([item("long", "L" * 80)], 50)
    assert alone[0][1] == "L" * 49 + "…", "nothing fits whole: the start of the most relevant one"


@pytest.mark.parametrize("memory_type", ["semantic", "profile"])
async def test_single_document_memory_is_cut_to_the_char_budget(chat, store, scripted_model, memory_type):
    namespace = memory_namespace("lance", memory_type)
    key = memory_type
    long_text = "Name: Lance\n" + "\n".join(f"Likes: pastime {i}" for i in range(400))
    value = (
        {"content": long_text}
        if memory_type == "semantic"
        else {"name": "Lance", "interests": [f"pastime {i}" for i in range(400)]}
    )
    store.put(namespace, key, value, index=False)
    scripted_model.prompts.clear()
    await chat("Hello", user="lance", memory_type=memory_type, memory_char_budget=300)
    memory = (
        scripted_model.prompt_texts()[0]
        .split("What you remember about the user:")[1]
        .split("How the user wants you to answer")[0]
    )
    assert "Lance" in memory and len(memory.strip()) <= 300


async def test_bad_user_id_is_refused_before_anything_is_written(chat, store):
    await chat("Hi, I'm Lance.", user="lance", memory_type="profile")
    before = store.search(("memory",), limit=1000)
    for bad in ["", "a.b", "x" * 257]:
        with pytest.raises(ValueError, match="user_id"):
            await chat("I'm Eve and I live in Rome.", user=bad, memory_type="profile")
    assert store.search(("memory",), limit=1000) == before


async def test_unknown_memory_type_is_refused(chat, store):
    with pytest.raises(ValueError, match="memory_type"):
        await chat("I'm Eve.", user="eve", memory_type="episodic")
    assert store.search(("memory",), limit=1000) == []


async def test_hot_path_extraction_reads_only_new_messages(chat, scripted_model):
    thread = "one-long-thread"
    await chat("Hi, I'm Lance and I live in San Francisco.", user="lance", memory_type="profile", thread=thread)
    scripted_model.prompts.clear()
    await chat("I like sailing.", user="lance", memory_type="profile", thread=thread)
    extraction = [p for p in scripted_model.prompt_texts() if "<conversation>" in p][-1]
    transcript = extraction.split("<conversation>")[1]
    assert "sailing" in transcript
    assert "live in San Francisco" not in transcript, "an earlier turn was extracted again"


async def test_update_among_fifty_items_patches_the_matching_one(chat, store, scripted_model):
    namespace = memory_namespace("lance", "collection")
    topics = ["tea", "jazz", "chess", "tennis", "sushi", "poetry", "hiking", "opera", "cycling", "baking"]
    for i in range(49):
        store.put(namespace, f"like-{i:02d}", {"content": SENTENCES["interests"].format(f"{topics[i % 10]} style {i}")})
    store.put(namespace, "home", {"content": SENTENCES["location"].format("San Francisco")})
    scripted_model.prompts.clear()

    await chat("I moved to Boston.", user="lance", memory_type="collection", memory_top_k=5)

    items = {item.key: item.value for item in store.search(namespace, limit=100)}
    assert len(items) == 50 and items["home"]["content"] == "The user lives in Boston."
    extraction = [p for p in scripted_model.prompt_texts() if "<existing>" in p][0]
    assert extraction.count("<instance id=") == 5, "the extractor sees memory_top_k items, not all 50"
