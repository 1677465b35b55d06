"""`langgraph dev` serving langgraph.json (auth on) with its store on Postgres (`store.path`), through the SDK.

The memory machinery behind the server's store API: recall across threads through the pgvector index,
the memory admin's paging past a page of 100, and forget.
"""

from __future__ import annotations

import json

import psycopg
import pytest

from agent.client import memory_admin
from agent.client.sdk import connect, ensure_assistant, send, wait_for_memory
from agent.models.registry import RETRIES_ENV, TIMEOUT_ENV
from agent.server.dev_server import PROJECT_ROOT, DevServer, config_copy
from agent.server.tokens import SECRET_ENV, mint
from tests.conftest import AUTH_SECRET

POSTGRES_STORE = {"path": str(PROJECT_ROOT / "agent" / "memory" / "postgres_store.py") + ":server_store"}


@pytest.fixture(scope="module")
def database(postgres) -> str:
    return postgres.create_database("dev_server_store")


@pytest.fixture(scope="module")
def pg_dev_server(endpoint, database, tmp_path_factory):
    env = {
        "OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": "scripted-test-key", SECRET_ENV: AUTH_SECRET,
        TIMEOUT_ENV: "5", RETRIES_ENV: "0", "STORE_DATABASE_URI": database,
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
        return (await cursor.fetchone())[0]


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

    listed = await memory_admin.list_memories(client, user)
    assert sorted(item["key"] for item in listed["collection"]) == [f"fact-{i:03d}" for i in range(130)]

    counts = await memory_admin.forget_user(client, user)
    assert counts["memories"] == 130
    assert await memory_admin.list_memories(client, user) == {"semantic": [], "profile": [], "collection": []}
    assert await _rows(database, "store", user) == 0
