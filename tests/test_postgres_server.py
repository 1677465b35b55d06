"""`langgraph dev` serving langgraph.json (auth on) with its store on Postgres (`store.path`), through the SDK.

The memory machinery behind the server's store API: recall across threads through the pgvector index,
the memory admin's paging past a page of 100, and forget.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import psycopg
import pytest

from agent.client.sdk import connect, ensure_assistant, send, wait_for_memory
from agent.memory.kinds import STORED_KINDS
from agent.memory.manage import admin
from agent.models.registry import RETRIES_ENV, TIMEOUT_ENV
from agent.secret import SECRET_ENV
from agent.server.tokens import mint
from devtools.dev_server import PROJECT_ROOT, DevServer, config_copy
from tests.conftest import AUTH_SECRET
from tests.refusals import refused

pytestmark = [pytest.mark.server, pytest.mark.postgres]


# The Postgres store as langgraph.pg.json serves it (its path made absolute for the copied config).
_PG_STORE_PATH = json.loads((PROJECT_ROOT / "langgraph.pg.json").read_text())["store"]["path"]
POSTGRES_STORE = {"path": str((PROJECT_ROOT / _PG_STORE_PATH).resolve())}


@pytest.fixture(scope="module")
def database(postgres) -> str:
    return postgres.create_database("dev_server_store")


@pytest.fixture(scope="module")
def pg_dev_server(endpoint, database, tmp_path_factory):
    env = {
        "OPENAI_BASE_URL": endpoint.base_url,
        "OPENAI_API_KEY": "scripted-test-key",
        SECRET_ENV: AUTH_SECRET,
        TIMEOUT_ENV: "5",
        RETRIES_ENV: "0",
        "STORE_DATABASE_URI": database,
    }
    workdir = tmp_path_factory.mktemp("langgraph-dev-postgres")
    path = config_copy(workdir, env)
    config = json.loads(path.read_text())
    path.write_text(json.dumps({**config, "store": POSTGRES_STORE}, indent=2))
    with DevServer(path, workdir=workdir, env=env) as server:
        yield server


async def _rows(database: str, table: str, user: str) -> int:
    async with await psycopg.AsyncConnection.connect(database) as connection:
        cursor = await connection.execute(f"SELECT count(*) FROM {table} WHERE prefix LIKE %s", (f"memory.{user}.%",))
        row = await cursor.fetchone()
        assert row is not None  # count(*) always returns one row
        return row[0]


async def test_recall_across_threads_goes_through_the_pgvector_index(pg_dev_server, database, user):
    client = connect(pg_dev_server.url, mint(user, secret=AUTH_SECRET))
    assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
    thread = (await client.threads.create())["thread_id"]
    await send(client, assistant, thread, user, "I'm Zoe and I live in Kyoto.")
    await wait_for_memory(client, thread)

    assert await _rows(database, "store_vectors", user) >= 2, "each memory is embedded into Postgres"
    reply = await send(client, assistant, (await client.threads.create())["thread_id"], user, "Which city is home?")
    assert "Kyoto" in reply


async def test_memory_admin_pages_past_one_hundred_and_forget_empties_postgres(pg_dev_server, database, user):
    client = connect(pg_dev_server.url, mint(user, secret=AUTH_SECRET))
    namespace = ["memory", user, "collection"]
    for i in range(130):
        await client.store.put_item(namespace, f"fact-{i:03d}", {"content": f"The user owns book {i}."}, index=False)

    listed = await admin.list_memories(client, user)
    assert sorted(item["key"] for item in listed["collection"]) == [f"fact-{i:03d}" for i in range(130)]

    counts = await admin.forget_user(client, user)
    assert counts["memories"] == 130
    assert await admin.list_memories(client, user) == {kind: [] for kind in STORED_KINDS}
    assert await _rows(database, "store", user) == 0


async def _put_raw(url: str, user: str, namespace: list[str], value_json: str) -> None:
    body = f'{{"namespace": {json.dumps(namespace)}, "key": "k", "value": {value_json}}}'
    headers = {"Authorization": f"Bearer {mint(user, secret=AUTH_SECRET)}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
        (await http.put("/store/items", content=body)).raise_for_status()


async def test_store_calls_postgres_would_refuse_are_refused_and_fail_no_one_elses(pg_dev_server, user):
    """Found from outside: each of these reached Postgres and failed every store call batched with it
    (other users' puts and gets, the revocation lookup of authentication)."""
    alice, mallory = (connect(pg_dev_server.url, mint(name, secret=AUTH_SECRET)) for name in (user, f"{user}-m"))
    mine, theirs = ["memory", user, "collection"], ["memory", f"{user}-m", "collection"]

    def poisons():
        return {
            "a ttl Postgres cannot read as an interval": mallory.store.put_item(
                theirs,
                "k",
                {"content": "x"},
                ttl=1e300,  # type: ignore[arg-type]  # hostile input: the SDK types ttl as int; the API takes any JSON number
            ),
            "a ttl past an INT of minutes": mallory.store.put_item(
                theirs,
                "k",
                {"content": "x"},
                ttl=3e9,  # type: ignore[arg-type]  # hostile input: the SDK types ttl as int; the API takes any JSON number
            ),
            "a NUL in a filter's field": mallory.store.search_items(theirs, filter={"a\x00b": 1}),
            "33,000 filter fields (past Postgres's 65,535 parameters)": mallory.store.search_items(
                theirs, filter={f"k{i}": 1 for i in range(33_000)}
            ),
            "max_depth 0": mallory.store.list_namespaces(prefix=theirs[:2], max_depth=0),
            "an integer beyond 64 bits (the SDK cannot even send one)": _put_raw(
                pg_dev_server.url, f"{user}-m", theirs, f'{{"content": "x", "n": {10**30}}}'
            ),
            "a NUL in a value": mallory.store.put_item(theirs, "k", {"content": "a\x00b"}),
        }

    for name, call in poisons().items():
        assert await refused(call), name
    for i in range(6):
        calls = list(poisons().values())
        results = await asyncio.gather(
            alice.store.put_item(mine, f"k{i}", {"content": f"The user owns {i} kites."}),
            alice.store.get_item(mine, "k0"),
            *calls,
            return_exceptions=True,
        )
        assert not isinstance(results[0], Exception) and not isinstance(results[1], Exception), results[:2]
    assert len((await alice.store.search_items(mine, limit=100))["items"]) == 6
