"""The memory machinery on langgraph's AsyncPostgresStore over a real PostgreSQL 16 + pgvector (IVFFlat index)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest
from langgraph.store.base import PutOp
from langgraph.store.postgres import AsyncPostgresStore

from agent.memory.kinds import MEMORY_TYPES
from agent.memory.records.namespaces import list_all, memory_namespace
from agent.memory.records.retrieval import search_memories
from agent.stores import index_embed, postgres_index
from agent.stores.postgres import (
    INDEX,
    PROBES_ENV,
    SEARCH_SETTINGS,
    pool_of,
    postgres_store,
    server_store,
)
from agent.stores.postgres_index import (
    INDEX_NAME,
    SETUP_LISTS,
    IndexState,
    index_state,
    lists_for,
    rebuild_index,
)
from agent.stores.unbatched import OneCallOneBatch
from bench.search_plan import explain_search
from devtools.dev_server import PROJECT_ROOT
from devtools.pg_cluster import FAST_UNSAFE, PostgresCluster
from devtools.scripted_brain import SENTENCES
from tests.conftest import chat_over
from tests.distractors import NEEDLE, QUESTION, food_distractors

# At scale the planner scans the vector index and filters by namespace after it (bench/scale.py --explain shows
# it at 10k memories). On a small table it would sort the user's few rows exactly instead; with sorts priced
# out it takes the same index plan, so a small test reproduces the large case.
INDEX_PLAN = {"enable_sort": "off"}


def test_index_is_the_one_langgraph_json_declares():
    declared = json.loads((PROJECT_ROOT / "langgraph.json").read_text())["store"]["index"]
    assert (INDEX["dims"], INDEX["fields"]) == (declared["dims"], declared["fields"])
    assert declared["embed"] == "./agent/stores/index_embed.py:embed" and INDEX["embed"] is index_embed.embed
    assert INDEX["ann_index_config"]["kind"] == "ivfflat" and INDEX["distance_type"] == "cosine"


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
async def test_remembered_fact_is_recalled_in_the_next_thread(pg_store, scripted_model, memory_type):
    chat = chat_over(pg_store)
    await chat("Hi, I'm Lance. I live in San Francisco and I like biking.", user="lance", memory_type=memory_type)

    stored = str([i.value for i in await pg_store.asearch(memory_namespace("lance", memory_type), limit=100)])
    assert "Lance" in stored and "San Francisco" in stored and "biking" in stored
    scripted_model.prompts.clear()
    reply = await chat("What do you know about me?", user="lance", memory_type=memory_type)
    assert "Lance" in reply and "San Francisco" in reply
    assert await pg_store.asearch(memory_namespace("ana", memory_type)) == []


async def test_update_past_the_first_ten_items_patches_the_found_item(pg_store, scripted_model):
    namespace = memory_namespace("lance", "collection")
    await pg_store.abatch(
        [
            PutOp(namespace, f"hobby-{i:02d}", {"content": SENTENCES["interests"].format(f"hobby number {i}")})
            for i in range(11)
        ]
        + [PutOp(namespace, "where", {"content": SENTENCES["location"].format("San Francisco")})]
    )
    assert "where" not in [item.key for item in await pg_store.asearch(namespace)]  # the store's default page

    await chat_over(pg_store)("I moved to Boston.", user="lance", memory_type="collection")

    items = {item.key: item.value for item in await list_all(pg_store, namespace)}
    assert len(items) == 12, "an update must not insert a duplicate"
    assert items["where"]["content"] == "The user lives in Boston."


async def test_paging_reads_every_item_past_the_page_size(pg_store):
    namespace = memory_namespace("lance", "collection")
    await pg_store.abatch([PutOp(namespace, f"k{i:03d}", {"content": f"fact {i}"}, index=False) for i in range(230)])
    await pg_store.aput(memory_namespace("lancelot", "collection"), "other", {"content": "not lance's"}, index=False)

    items = await list_all(pg_store, namespace)

    assert sorted(item.key for item in items) == [f"k{i:03d}" for i in range(230)]


async def test_a_user_whose_id_prefixes_or_matches_another_by_wildcard_sees_nothing_of_theirs(pg_store):
    """langgraph-checkpoint-postgres 3.1 matched namespace prefixes with an unescaped LIKE: "al" and "a_ice"
    read alice's memories through their own namespaces (an attacker's find; pyproject pins 3.2)."""
    await pg_store.aput(("memory", "alice", "collection"), "k", {"content": "Alice's secret."})
    for user in ("al", "a_ice", "alic"):
        assert await pg_store.asearch(("memory", user)) == [], user
        assert await pg_store.asearch(("memory", user), query="secret") == [], user
        assert await pg_store.alist_namespaces(prefix=("memory", user)) == [], user


async def test_other_users_nearer_rows_do_not_starve_one_users_search(pg_database):
    """The index scan reads one list before the namespace filter: the pool's settings must fix that."""
    namespace = memory_namespace("lance", "collection")
    async with postgres_store(pg_database) as store:
        await store.abatch(
            [PutOp(namespace, f"d{i:02d}", {"content": text}) for i, text in enumerate(food_distractors(30))]
            + [PutOp(namespace, "needle", {"content": NEEDLE})]
            # 100 other users wrote down the question itself: nearer to it than anything of lance's.
            + [PutOp(memory_namespace(f"other-{i:02d}", "collection"), "q", {"content": QUESTION}) for i in range(100)]
        )
    before, after = await rebuild_index(pg_database)  # lists learned from these rows, as at scale

    async with postgres_store(pg_database, settings=INDEX_PLAN, setup=False) as as_shipped:
        plan = await explain_search(as_shipped, namespace, QUESTION)
        starved = await search_memories(as_shipped, namespace, QUESTION, k=5)
    async with postgres_store(pg_database, settings={**SEARCH_SETTINGS, **INDEX_PLAN}, setup=False) as configured:
        configured_plan = await explain_search(configured, namespace, QUESTION)
        found = await search_memories(configured, namespace, QUESTION, k=5)
        async with pool_of(configured).connection() as connection:  # pgvector loaded: invalid values would be reset
            effective = {
                name: (await (await connection.execute(f"SHOW {name}")).fetchone())[name] for name in SEARCH_SETTINGS
            }

    assert before == after == IndexState(vectors=131, kind="ivfflat", lists=SETUP_LISTS)
    assert f"Index Scan using {INDEX_NAME}" in plan and f"Index Scan using {INDEX_NAME}" in configured_plan
    assert len(starved) < 5, "pgvector's defaults were expected to cut this user's candidates short"
    assert len(found) == 5 and "needle" in [item.key for item in found]
    assert effective == SEARCH_SETTINGS


def test_the_index_is_due_a_rebuild_when_the_rows_call_for_twice_its_lists():
    assert lists_for(0) == lists_for(10_000) == SETUP_LISTS and lists_for(200_000) == 447
    assert not IndexState(vectors=39_000, kind="ivfflat", lists=SETUP_LISTS).rebuild_due
    assert IndexState(vectors=40_000, kind="ivfflat", lists=SETUP_LISTS).rebuild_due
    assert not IndexState(vectors=200_000, kind="ivfflat", lists=447).rebuild_due
    assert IndexState(vectors=10, kind="hnsw").rebuild_due, "an earlier version's HNSW index is to be replaced"


async def test_the_servers_start_reads_the_planners_row_count_instead_of_counting_the_table(pg_store):
    """At millions of vectors a count reads the whole table at every replica's start; ANALYZE's figure is free."""
    namespace = memory_namespace("lance", "collection")
    await pg_store.abatch([PutOp(namespace, f"d{i}", {"content": text}) for i, text in enumerate(food_distractors(3))])
    async with pool_of(pg_store).connection() as connection:
        never_analysed = await index_state(connection, estimate=True)
        await connection.execute("ANALYZE store_vectors")
        await pg_store.abatch(
            [PutOp(namespace, f"e{i}", {"content": text}) for i, text in enumerate(food_distractors(2))]
        )
        estimated, counted = await index_state(connection, estimate=True), await index_state(connection)

    assert never_analysed.vectors == 3, "a table never analysed has no estimate: it is counted"
    assert estimated.vectors == 3 and counted.vectors == 5
    assert estimated.kind == counted.kind == "ivfflat" and estimated.lists == counted.lists == SETUP_LISTS


@pytest.mark.parametrize(
    "set_up_with",
    [INDEX["ann_index_config"], {"kind": "hnsw", "m": 32, "ef_construction": 128}],
    ids=["ivfflat", "hnsw-of-an-earlier-version"],
)
async def test_a_rebuild_learns_the_lists_from_the_rows_and_search_still_finds_everything(
    pg_database, monkeypatch, set_up_with
):
    namespace = memory_namespace("lance", "collection")
    async with postgres_store(pg_database, index={**INDEX, "ann_index_config": set_up_with}) as store:
        await store.abatch(
            [PutOp(namespace, f"d{i:02d}", {"content": text}) for i, text in enumerate(food_distractors(48))]
            + [PutOp(namespace, "needle", {"content": NEEDLE})]
        )
    monkeypatch.setattr(postgres_index, "SETUP_LISTS", 2)  # so that the lists follow the rows: √49

    before, after = await rebuild_index(pg_database)

    assert before.kind == set_up_with["kind"] and after == IndexState(vectors=49, kind="ivfflat", lists=7)
    async with postgres_store(pg_database, settings={**SEARCH_SETTINGS, **INDEX_PLAN}, setup=False) as store:
        assert "needle" in [item.key for item in await search_memories(store, namespace, QUESTION, k=5)]
        assert f"Index Scan using {INDEX_NAME}" in await explain_search(store, namespace, QUESTION)


async def test_the_operator_relearns_the_lists_from_the_command_line(pg_store, pg_database):
    await pg_store.aput(memory_namespace("lance", "collection"), "k", {"content": NEEDLE})
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "agent.stores.postgres_index", "--uri", pg_database],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"{INDEX_NAME}: 1 rows, ivfflat {SETUP_LISTS} -> ivfflat {SETUP_LISTS} lists" in done.stdout


async def test_the_server_warns_at_start_when_the_index_is_due_a_rebuild(pg_database, pg_store, monkeypatch, caplog):
    await pg_store.aput(memory_namespace("lance", "collection"), "k", {"content": NEEDLE})
    monkeypatch.setenv("STORE_DATABASE_URI", pg_database)
    async with server_store():
        assert "postgres_index" not in caplog.text
    monkeypatch.setattr(postgres_index, "REBUILD_FACTOR", 0.01)  # 100 lists now count as too few for 1 row
    async with server_store():
        assert "run `python -m agent.stores.postgres_index`" in caplog.text


async def test_the_operator_sets_the_servers_probes_and_a_bad_value_stops_the_start(pg_database, pg_store, monkeypatch):
    monkeypatch.setenv("STORE_DATABASE_URI", pg_database)
    monkeypatch.setenv(PROBES_ENV, " 60 ")
    async with server_store() as store:
        assert isinstance(store.store, AsyncPostgresStore)
        async with pool_of(store.store).connection() as connection:
            shown = {
                name: (await (await connection.execute(f"SHOW {name}")).fetchone())[name] for name in SEARCH_SETTINGS
            }
    assert shown == {**SEARCH_SETTINGS, "ivfflat.probes": "60"}
    for bad in ("0", "many", "-5", "7.5", "40000", "²"):
        monkeypatch.setenv(PROBES_ENV, bad)
        with pytest.raises(ValueError, match=f"{PROBES_ENV} must be a whole number of lists from 1 to 32768"):
            async with server_store():
                pass


async def test_the_server_stores_calls_fail_alone(pg_store):
    """langgraph's store runs calls that arrive together as one batch: a call Postgres refuses (here a NUL)
    fails them all. The server's store (`server_store`) makes each call a batch of its own."""
    bad, good = memory_namespace("mallory", "collection"), memory_namespace("alice", "collection")
    batched = await asyncio.gather(
        pg_store.aput(bad, "k", {"content": "a\x00b"}),
        pg_store.aput(good, "k1", {"content": "The user likes tea."}),
        return_exceptions=True,
    )
    assert all(isinstance(result, Exception) for result in batched), "why the wrapper exists: the batch fails whole"
    store = OneCallOneBatch(pg_store)
    alone = await asyncio.gather(
        store.aput(bad, "k", {"content": "a\x00b"}),
        store.aput(good, "k2", {"content": "The user likes tea."}),
        store.aget(good, "k2"),
        return_exceptions=True,
    )
    assert isinstance(alone[0], Exception) and alone[1] is None
    assert [item.key for item in await store.asearch(good)] == ["k2"]


@pytest.mark.postgres
def test_a_cluster_in_a_given_directory_takes_that_directory_and_nothing_above_it(tmp_path):
    given = tmp_path / "kept"
    owner = (tmp_path.stat().st_uid, given.parent.stat().st_gid)
    with PostgresCluster(given / "data", settings=FAST_UNSAFE, remove=True) as cluster:
        assert "PostgreSQL" in cluster.psql("SELECT version()")
        assert (tmp_path.stat().st_uid, tmp_path.stat().st_gid) == owner, "the parents keep their owner"
        assert given.stat().st_uid == os.getuid(), "the directory made to hold it too"
    assert not (given / "data").exists()


async def test_a_user_id_with_like_wildcards_reaches_no_other_users_memories(pg_database, monkeypatch):
    """langgraph-checkpoint-postgres 3.1 (the replicas' runtime pins it) matched prefixes with an unescaped LIKE:
    "a_ice" read "alice". The server's store keeps to the exact namespace whatever version serves."""
    monkeypatch.setenv("STORE_DATABASE_URI", pg_database)
    async with server_store() as store:
        await store.aput(("memory", "alice", "profile"), "profile", {"name": "Alice"})
        await store.aput(("memory", "a%", "profile"), "profile", {"name": "Percy"})
        for wildcard in ("a_ice", "a%", "_lice", "%"):
            found = await store.asearch(("memory", wildcard), limit=50)
            assert all(item.namespace[1] == wildcard for item in found), (wildcard, found)
            listed = await store.alist_namespaces(prefix=("memory", wildcard))
            assert all(ns[1] == wildcard for ns in listed), (wildcard, listed)
        assert [i.value["name"] for i in await store.asearch(("memory", "alice"))] == ["Alice"]


async def test_the_exact_prefix_store_drops_what_an_unescaped_like_let_through():
    """What 3.1 returned for "a_ice": alice's items and namespaces. The wrapper keeps only a_ice's."""
    from datetime import UTC, datetime

    from langgraph.store.base import Item, ListNamespacesOp, MatchCondition, SearchOp
    from langgraph.store.memory import InMemoryStore

    from agent.stores.exact_prefix import ExactPrefixes

    now = datetime.now(UTC)
    theirs = Item(
        value={"name": "Alice"}, key="profile", namespace=("memory", "alice", "profile"), created_at=now, updated_at=now
    )
    mine = Item(
        value={"name": "Ace"}, key="profile", namespace=("memory", "a_ice", "profile"), created_at=now, updated_at=now
    )

    class Like(InMemoryStore):
        async def abatch(self, ops):
            return [[theirs, mine] if isinstance(op, SearchOp) else [theirs.namespace, mine.namespace] for op in ops]

    store = ExactPrefixes(Like())
    assert await store.asearch(("memory", "a_ice")) == [mine]
    assert await store.alist_namespaces(prefix=("memory", "a_ice")) == [mine.namespace]
    listed = await store.abatch([ListNamespacesOp(match_conditions=(MatchCondition("suffix", ("profile",)),))])
    assert listed == [[theirs.namespace, mine.namespace]], "a suffix alone: both are profiles"
