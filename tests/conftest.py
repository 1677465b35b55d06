"""Shared fixtures: the chatbot graph compiled over in-memory store and checkpointer, on a scripted model."""

from __future__ import annotations

import json
import uuid

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from agent import limits
from agent.client import sdk as client_module
from agent.context import Context
from agent.graph import builder
from agent.models.registry import RETRIES_ENV, TIMEOUT_ENV, register_provider
from agent.secret import SECRET_ENV
from agent.server.tokens import mint
from agent.stores.embeddings import embed
from agent.stores.postgres import postgres_store
from devtools.dev_server import PROJECT_ROOT
from devtools.pg_cluster import FAST_UNSAFE, PostgresCluster
from devtools.scripted_brain import ScriptedChatModel
from devtools.scripted_openai import ScriptedOpenAI
from tests.server import dev_server

# The fixtures that put a test in a slow tier (pytest markers registered in pyproject.toml): a test using one
# is marked for it here, so `make check` (which deselects the slow tiers) can never start a server by mistake.
# Tests that start their own servers or clusters carry their markers themselves.
TIER_OF_FIXTURE = {"server": "server", "postgres": "postgres"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, tier in TIER_OF_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()) and item.get_closest_marker(tier) is None:
                item.add_marker(tier)


@pytest.fixture
def scripted_model() -> ScriptedChatModel:
    model = ScriptedChatModel()
    register_provider("scripted", lambda name: model)
    return model


def project_store() -> InMemoryStore:
    """An in-memory store indexed the way langgraph.json configures the server's store."""
    index = json.loads((PROJECT_ROOT / "langgraph.json").read_text())["store"]["index"]
    return InMemoryStore(index={**index, "embed": embed})


@pytest.fixture
def store() -> InMemoryStore:
    return project_store()


@pytest.fixture
def chat(scripted_model, store):
    """Send one message on a thread as a user; returns the bot's reply text."""
    return chat_over(store)


def chat_over(store):
    """A ``chat(text, user=..., memory_type=...)`` function over the chatbot graph compiled with ``store``."""
    graph = builder.compile(store=store, checkpointer=InMemorySaver())

    async def send(text: str, *, user: str, memory_type: str, thread: str | None = None, **settings) -> str:
        context = {"user_id": user, "memory_type": memory_type, "model": "scripted:brain", "write_mode": "hot_path"}
        result = await graph.ainvoke(
            {"messages": [HumanMessage(text)]},
            {"configurable": {"thread_id": thread or str(uuid.uuid4())}},
            context=Context(**{**context, **settings}),  # as langgraph coerces a dict context
        )
        return result["messages"][-1].text

    return send


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL 16 + pgvector cluster on a free port, removed after the session."""
    with PostgresCluster(settings=FAST_UNSAFE) as cluster:
        yield cluster


@pytest.fixture
def pg_database(postgres) -> str:
    """The URI of a new, empty database of its own for one test."""
    return postgres.create_database(f"test_{uuid.uuid4().hex[:12]}")


@pytest.fixture
async def pg_store(pg_database):
    """langgraph's AsyncPostgresStore as the project configures it, on the test's own database."""
    async with postgres_store(pg_database) as store:
        yield store


@pytest.fixture(scope="session")
def endpoint():
    """The scripted OpenAI-compatible model every end-to-end test's server talks to."""
    with ScriptedOpenAI() as scripted:
        yield scripted


@pytest.fixture(autouse=True)
def _no_injected_faults(request):
    yield
    if "endpoint" in request.fixturenames:
        scripted = request.getfixturevalue("endpoint")
        scripted.fail_if = scripted.stall_if = scripted.malform_if = None
        scripted.mode = "honest"


AUTH_SECRET = "test-secret-" + uuid.uuid4().hex
ACTIVE_RUNS_IN_TESTS = 16


@pytest.fixture(scope="session")
def server(endpoint, tmp_path_factory):
    """One real `langgraph dev` (10 jobs per worker, as in production) serving langgraph.json, auth on."""
    env = {
        "OPENAI_BASE_URL": endpoint.base_url,
        "OPENAI_API_KEY": "scripted-test-key",
        SECRET_ENV: AUTH_SECRET,
        TIMEOUT_ENV: "2",
        RETRIES_ENV: "0",  # so that a stalled model fails within a test
        # Sixteen chats of one user at once (the concurrency tests); the default is limits.ACTIVE_RUNS.
        limits.ACTIVE_RUNS.env: str(ACTIVE_RUNS_IN_TESTS),
    }
    with dev_server(tmp_path_factory.mktemp("langgraph-dev"), env) as running:
        yield running


@pytest.fixture
def connect(server):
    """An SDK client signed in as ``user`` (a bearer token minted with the server's secret)."""
    return lambda user: client_module.connect(server.url, mint(user, secret=AUTH_SECRET))


@pytest.fixture
def user() -> str:
    return f"user-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def client(connect, user):
    """An SDK client signed in as this test's ``user``."""
    return connect(user)
