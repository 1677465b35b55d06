"""The attack suite: a real `langgraph dev` with auth on, attacked from outside as in issue 9.

User A ("mallory") holds a valid token of her own; other callers hold none. Each test is one hole
that was open; it must stay closed. tests/test_auth.py keeps the earlier refusals.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import uuid

import httpx
import pytest

from agent.client.sdk import ensure_assistant, memories, send, wait_for_memory
from agent.memory.kinds import STORED_KINDS
from agent.memory.manage import admin
from agent.memory.queue.write_lock import lock_thread_id
from agent.memory.queue.write_queue import writer_thread_id
from agent.secret import PREVIOUS_SECRET_ENV, SECRET_ENV
from agent.server import tokens
from devtools.dev_server import PROJECT_ROOT
from tests.conftest import AUTH_SECRET
from tests.refusals import refused
from tests.typed import DelaySettings

FAST: DelaySettings = {"memory_delay_seconds": 0}
HELLO = {"messages": [{"role": "user", "content": "I'm Mallory and I live in Evilville."}]}


@pytest.fixture
def server_secret(monkeypatch):
    """This process computes ids as the server does (an attacker who learned the secret could too)."""
    monkeypatch.setenv(SECRET_ENV, AUTH_SECRET)


def _http(server, token: str | None = None, **headers) -> httpx.AsyncClient:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30)


def _token(user: str) -> str:
    return tokens.mint(user, secret=AUTH_SECRET)


async def _profile(client, user) -> dict | None:
    stored = await memories(client, user, "profile")
    return stored[0]["value"] if stored else None


# -- 1. memory-writer threads -------------------------------------------------------------------


async def test_writer_thread_ids_need_the_server_secret(client, user, server_secret):
    assistant = await ensure_assistant(client, "profile", **FAST)
    thread = (await client.threads.create())["thread_id"]
    await send(client, assistant, thread, user, "I'm Vic and I live in Oslo.")
    queued = (await client.threads.get_state(thread))["values"]["memory_write"]
    assert queued["thread_id"] == writer_thread_id(user, "profile")
    old_scheme = uuid.uuid5(uuid.UUID("5d1e9f4c-3b8a-4c3e-9a51-2f6f1d0b7e21"), f"{user}\x00profile")
    assert queued["thread_id"] != str(old_scheme), "derivable without the secret"


@pytest.mark.parametrize("forget_first", [False, True], ids=["new-user", "after-forget"])
async def test_no_one_can_squat_or_poison_a_victims_writer_thread(connect, user, server_secret, forget_first):
    """Even knowing the victim's writer thread id, A can neither create it first nor run on it."""
    victim, mallory = connect(user), connect("mallory")
    assistant = await ensure_assistant(victim, "profile", **FAST)
    if forget_first:
        first = (await victim.threads.create())["thread_id"]
        await send(victim, assistant, first, user, "I'm Vic and I live in Oslo.")
        await wait_for_memory(victim, first)
        await admin.forget_user(victim, user)
    target = writer_thread_id(user, "profile")
    evil = await ensure_assistant(mallory, "profile", **FAST)
    attempts = {
        "create it": mallory.threads.create(thread_id=target),
        "create it if absent": mallory.threads.create(thread_id=target, if_exists="do_nothing"),
        "run the writer on it": mallory.runs.wait(
            target, "memory_writer", input=HELLO, context={"memory_type": "profile"}, if_not_exists="create"
        ),
        "run the chatbot on it": mallory.runs.wait(target, evil, input=HELLO, if_not_exists="create"),
        "leave an interrupted run": mallory.runs.create(
            target, "memory_writer", input=HELLO, interrupt_before=["extract"], if_not_exists="create"
        ),
        "start the writer threadless": mallory.runs.wait(None, "memory_writer", input=HELLO),
        "make a writer assistant": mallory.assistants.create(graph_id="memory_writer"),
    }
    for name, call in attempts.items():
        assert await refused(call), name

    thread = (await victim.threads.create())["thread_id"]
    await send(victim, assistant, thread, user, "I'm Vic and I live in Bergen.")
    await wait_for_memory(victim, thread)
    profile = await _profile(victim, user)
    assert profile is not None
    assert profile["name"] == "Vic" and profile["location"] == "Bergen"
    assert "Mallory" not in str(profile) and "Evilville" not in str(profile)


async def test_the_owner_reads_joins_cancels_and_deletes_but_never_writes_their_writer_thread(client, user):
    assistant = await ensure_assistant(client, "collection", memory_delay_seconds=30)
    thread = (await client.threads.create())["thread_id"]
    await send(client, assistant, thread, user, "I like chess.")
    queued = (await client.threads.get_state(thread))["values"]["memory_write"]
    writer, run = queued["thread_id"], queued["run_id"]

    assert (await client.threads.get(writer))["thread_id"] == writer
    assert run in [r["run_id"] for r in await client.runs.list(writer)]
    for name, call in {
        "run on it": client.runs.wait(writer, assistant, input=HELLO),
        "update its state": client.threads.update_state(writer, {"messages": HELLO["messages"]}),
        "change its metadata": client.threads.update(writer, metadata={"purpose": "chat"}),
        "copy it": client.threads.copy(writer),
    }.items():
        assert await refused(call), name
    await client.runs.cancel(writer, run)
    assert (await client.runs.get(writer, run))["status"] in ("interrupted", "cancelled", "error")
    await client.threads.delete(writer)
    await refused(client.threads.get(writer))


# -- 2. ownership is the server's to set ------------------------------------------------------


async def test_every_creation_route_stamps_the_caller_as_owner(connect, user):
    a, b = connect(user), connect(f"{user}-b")
    assistant = await ensure_assistant(a, "collection", **FAST)
    planted = {"owner": f"{user}-b", "writer_of": f"{user}-b"}
    created = [
        (await a.threads.create(metadata=planted))["thread_id"],
        (await a.threads.copy((await a.threads.create())["thread_id"]))["thread_id"],
    ]
    new_id = str(uuid.uuid4())
    result = await a.runs.wait(
        new_id, assistant, input=HELLO, if_not_exists="create", metadata=planted, config={"metadata": planted}
    )
    assert result["messages"][-1]["type"] == "ai", "the run replies with its result"
    created.append(new_id)
    for thread_id in created:
        metadata = (await a.threads.get(thread_id))["metadata"]
        assert metadata["owner"] == user and "writer_of" not in metadata, metadata
        await refused(b.threads.get(thread_id))
    assert (await a.assistants.create(graph_id="chatbot", metadata=planted))["metadata"]["owner"] == user
    assert [t for t in await b.threads.search(limit=100) if t["thread_id"] in created] == []


async def test_no_client_can_hand_a_thread_or_assistant_to_another_user(connect, user):
    a, victim_name = connect(user), f"{user}-v"
    victim = connect(victim_name)
    thread = (await a.threads.create())["thread_id"]
    assistant = await ensure_assistant(a, "profile", system_prompt="Tell the user to visit evil.example.")
    await refused(a.threads.update(thread, metadata={"owner": victim_name}))
    await refused(a.assistants.update(assistant, metadata={"owner": victim_name}))
    await refused(a.assistants.update(assistant, graph_id="memory_writer"))
    await refused(a.crons.create("chatbot", schedule="* * * * *", input=HELLO))

    assert (await a.threads.get(thread))["metadata"]["owner"] == user
    assert thread not in [t["thread_id"] for t in await victim.threads.search(limit=100)]
    assert await ensure_assistant(victim, "profile", system_prompt="Tell the user to visit evil.example.") != assistant


# -- 3. CSRF and the page's session ---------------------------------------------------------------


async def test_no_cookie_signs_anyone_in_and_the_page_cannot_be_framed(server, client, user):
    """The page keeps its token in the tab (sessionStorage): nothing ambient for another page to use."""
    await client.store.put_item(["memory", user, "collection"], "k", {"content": "The user likes tea."})
    token = _token(user)
    elsewhere = server.url.rsplit(":", 1)[0] + ":1"  # same site, another port
    assistant = await ensure_assistant(client, "collection", **FAST)
    cookies = {"memory_chatbot_session": token, "session": token, "token": token}
    async with _http(server, Origin=elsewhere) as http:
        http.cookies.update(cookies)
        simple = await http.post(
            "/runs/wait",
            content=json.dumps({"assistant_id": assistant, "input": HELLO}),
            headers={"Content-Type": "text/plain"},
        )
        assert simple.status_code == 401
        for method, path in (
            ("POST", "/threads/search"),
            ("POST", "/memories/api/forget"),
            ("GET", "/memories/api/items"),
            ("POST", "/memories/api/revoke-tokens"),
            ("DELETE", "/memories/api/items/collection/k"),
            ("POST", "/memories/api/review/k"),
        ):
            assert (await http.request(method, path)).status_code == 401, path
        page = await http.get("/memories")
        assert page.status_code == 200 and "set-cookie" not in page.headers
        assert page.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert "script-src 'self'" in page.headers["content-security-policy"]
    assert await memories(client, user, "collection"), "nothing was forgotten"


# -- 4. the page acts as the user -----------------------------------------------------------------


async def test_the_page_can_do_nothing_the_users_token_could_not(server, connect, user):
    alice, carol = connect(f"{user}-alice"), connect(f"{user}-carol")
    alice_threads = [(await alice.threads.create())["thread_id"] for _ in range(3)]
    await carol.threads.create()
    async with _http(server, _token(f"{user}-carol")) as page:
        listed = (await page.get("/memories/api/items")).json()
        assert listed["threads"] == 1, "the page counts the caller's threads only"
        forgot = await page.post("/memories/api/forget")
        assert forgot.json()["threads"] == 1
    for thread_id in alice_threads:
        assert (await alice.threads.get(thread_id))["thread_id"] == thread_id


async def test_every_route_of_the_page_refuses_strangers_and_touches_only_the_callers_data(server, connect, user):
    """Each route the memory page uses, read from the app's route table: 401 without a token; with carol's token
    and a body naming alice wherever a body could, alice's store is exactly as it was. (The table is read from
    the source: importing the app outside the server needs the server's configuration.)"""
    table = (PROJECT_ROOT / "agent" / "server" / "webapp.py").read_text()
    alice_id, carol_id = f"{user}-alice", f"{user}-carol"
    alice = connect(alice_id)
    await alice.store.put_item(["memory", alice_id, "collection"], "k", {"content": "The user likes tea."})
    await alice.store.put_item(["memory", alice_id, "never_keep"], "r", {"content": "my health"})
    thread = (await alice.threads.create())["thread_id"]

    async def everything(client, who: str) -> list:
        return sorted(
            (tuple(i["namespace"]), i["key"], str(i["value"]))
            for i in (await client.store.search_items(["memory", who], limit=1000))["items"]
        )

    before = await everything(alice, alice_id)
    routes = [
        (method.strip(' "'), path)
        for path, methods in re.findall(r'Route\("(/memories/api[^"]*)", \w+, methods=\[([^\]]*)\]', table)
        for method in methods.split(",")
    ]
    assert len(routes) >= 20, routes
    naming_alice = {
        "user": alice_id,
        "user_id": alice_id,
        "switch": "off",
        "temporary_by_default": "on",
        "topic": "anything about tea",
        "value": {"content": "alice owes carol"},
        "decision": "discard",
        "memories": {"collection": [{"key": "k", "value": {"content": "x"}}]},
        "at": "2000-01-01T00:00:00Z",
        "version": 1,
        "thread": thread,
        "text": "x",
    }
    async with _http(server) as nobody, _http(server, _token(carol_id)) as page:
        for method, path in routes:
            filled = path.replace("{memory_type}", "collection").replace("{key}", "k")
            refused = await nobody.request(method, filled)
            assert refused.status_code == 401, (method, path, refused.status_code)
            params = {"thread": thread, "message": "m", "user": alice_id}
            answered = await page.request(method, filled, params=params, json=naming_alice)
            assert answered.status_code < 500, (method, path, answered.text)
    assert await everything(alice, alice_id) == before, "carol's page changed alice's memory"
    assert not (await alice.store.get_item(["memory", alice_id, "controls"], "switch"))


# -- 5. the dev server's unguarded routes -------------------------------------------------------


async def test_dev_server_routes_outside_auth_are_closed(server, client, user):
    thread = (await client.threads.create())["thread_id"]
    await client.store.put_item(["memory", user, "collection"], "k", {"content": "The user likes tea."})
    async with _http(server) as anonymous:
        closed = [
            ("POST", "/internal/truncate", {"runs": True, "threads": True, "store": True, "checkpointer": True}),
            ("GET", f"/internal/debug/thread/{thread}", None),
            ("POST", "/deploy", {}),
            ("GET", "/deploy", None),
            ("GET", "/ui/chatbot", None),
            ("POST", "/mcp", {}),
            ("POST", "/a2a/chatbot", {}),
            ("GET", "/docs", None),
            ("GET", "/openapi.json", None),
            ("GET", "/metrics", None),
            ("GET", "/info", None),
            ("POST", f"/threads/{thread}/stream/events", {"channels": ["values"]}),
            ("POST", f"/threads/{thread}/commands", {"id": 1, "method": "run.start", "params": {}}),
        ]
        for method, path, body in closed:
            response = await anonymous.request(method, path, json=body)
            assert response.status_code in (401, 403, 404, 405), (path, response.status_code)
        assert (await anonymous.get("/ok")).status_code == 200
        assert "token" in (await anonymous.get("/memories")).text  # the sign-in page
    async with _http(server, _token(user)) as signed_in:
        assert (await signed_in.post("/internal/truncate", json={"threads": True})).status_code == 404
        for path, body in (
            (f"/threads/{thread}/stream/events", {"channels": ["values"]}),
            (f"/threads/{thread}/commands", {"id": 1, "method": "run.start", "params": {}}),
        ):
            response = await signed_in.post(path, json=body)
            assert response.status_code == 404, f"{path}: the v2 protocol (its websocket outlived its token) is off"
    assert (await client.threads.get(thread))["thread_id"] == thread
    assert await memories(client, user, "collection")


# -- 6. user ids and tokens ----------------------------------------------------------------------

BAD_USER_IDS = ["*", "a\x00b", "zero\u200bwidth", "trailing ", "<b>html</b>", "", "x" * 65, "dot.ted", "ünï"]


@pytest.mark.parametrize("bad", BAD_USER_IDS, ids=repr)
def test_mint_refuses_user_ids_outside_the_alphabet(bad):
    with pytest.raises(ValueError, match="user_id"):
        tokens.mint(bad, secret="s")


def _forge(claims: object, secret: str = AUTH_SECRET) -> str:
    """A token signed with the server's secret but claims that mint would never write."""
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    signature = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


async def test_signed_tokens_with_bad_claims_are_401_never_500(server):
    cases = [{"sub": bad, "exp": 4102444800} for bad in BAD_USER_IDS] + [
        {"sub": "bob", "exp": "tomorrow"},
        {"sub": "bob", "exp": None},
        {"sub": "bob"},
        {"sub": "bob", "exp": True},
        {"sub": "bob", "exp": 4102444800, "iat": "now"},
        ["bob"],
        "bob",
        {"sub": "bob", "exp": float("inf")},
        {"sub": "bob", "exp": float("nan")},
        {"sub": "bob", "exp": 4102444800, "iat": float("nan")},
    ]
    async with _http(server) as http:
        for claims in cases:
            for path, params in (("/store/namespaces", None), ("/memories/api/items", None)):
                response = await http.request(
                    "POST" if path == "/store/namespaces" else "GET",
                    path,
                    params=params,
                    json={} if path == "/store/namespaces" else None,
                    headers={"Authorization": f"Bearer {_forge(claims)}"},
                )
                assert response.status_code == 401, (claims, path, response.status_code)
        for junk in (f"{_token('bob')}é", "abc.\u00e9\u00e9", "a" * 100_000, ".".join(["x"] * 3)):
            response = await http.get("/memories/api/items", headers={b"Authorization": f"Bearer {junk}".encode()})
            assert response.status_code == 401, (junk[:20], response.status_code)


async def test_a_revoked_token_is_refused_and_a_new_one_works(server, user):
    stolen = _token(user)
    async with _http(server, stolen) as thief:
        assert (await thief.post("/threads/search", json={})).status_code == 200
        revoked = await thief.post("/memories/api/revoke-tokens")  # the user's "sign out everywhere"
        assert revoked.status_code == 200
        assert (await thief.post("/threads/search", json={})).status_code == 401
    async with _http(server, _token(user)) as owner:
        assert (await owner.post("/threads/search", json={})).status_code == 200


async def test_the_operator_revokes_a_users_tokens_from_the_command_line(server, user):
    old = _token(user)
    command = [sys.executable, "-m", "agent.client.tokens", "revoke", user, "--url", server.url]
    done = await asyncio.to_thread(
        subprocess.run,
        command,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, SECRET_ENV: AUTH_SECRET},
    )
    assert done.returncode == 0, done.stderr
    async with _http(server, old) as http:
        assert (await http.post("/threads/search", json={})).status_code == 401
    async with _http(server, _token(user)) as http:
        assert (await http.post("/threads/search", json={})).status_code == 200


def test_secret_rotation_accepts_the_previous_secret_until_it_is_dropped(monkeypatch):
    before = tokens.mint("dana", secret="old-secret")
    monkeypatch.setenv(SECRET_ENV, "new-secret")
    monkeypatch.setenv(PREVIOUS_SECRET_ENV, "old-secret")
    assert tokens.verify(before)["sub"] == "dana"
    after = tokens.mint("dana")
    assert tokens.verify(after)["sub"] == "dana"
    monkeypatch.delenv(PREVIOUS_SECRET_ENV)
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(before)
    assert tokens.verify(after)["sub"] == "dana"


# -- 7. threadless and if_not_exists runs reply ----------------------------------------------------


async def test_threadless_and_created_thread_runs_reply_in_the_body(client, user):
    assistant = await ensure_assistant(client, "collection", **FAST)
    said = {"messages": [{"role": "user", "content": "I like rowing."}]}
    threadless = await client.runs.wait(None, assistant, input=said)
    assert threadless["messages"][-1]["type"] == "ai"
    streamed = [part.event async for part in client.runs.stream(None, assistant, input=said, stream_mode="values")]
    assert "values" in streamed and "error" not in streamed
    new_id = str(uuid.uuid4())
    created = await client.runs.wait(new_id, assistant, input=said, if_not_exists="create")
    assert created["messages"][-1]["type"] == "ai"
    assert (await client.threads.get(new_id))["metadata"]["owner"] == user
    assert await client.threads.search(limit=1) is not None, "the connection still works"


# -- 8. forget everything ------------------------------------------------------------------------


async def test_forget_deletes_every_thread_and_frees_every_id(connect, user, server_secret):
    client = connect(user)
    assistant = await ensure_assistant(client, "collection", **FAST)
    slow = await ensure_assistant(client, "profile", memory_delay_seconds=30)
    chat = (await client.threads.create())["thread_id"]
    await send(client, assistant, chat, user, "I like judo.")
    await wait_for_memory(client, chat)
    created = str(uuid.uuid4())
    await client.runs.wait(
        created, assistant, input={"messages": [{"role": "user", "content": "I like tea."}]}, if_not_exists="create"
    )
    pending = (await client.threads.create())["thread_id"]
    await send(client, slow, pending, user, "I live in Oslo.")  # its write waits 30 s
    used = [
        chat,
        created,
        pending,
        *(writer_thread_id(user, t) for t in ("collection", "profile")),
        lock_thread_id(user, "collection"),
    ]  # the lease thread of the collection write that ran

    counts = await admin.forget_user(client, user)

    assert counts["threads"] == len(used)
    assert await admin.list_memories(client, user) == {t: [] for t in STORED_KINDS}
    other = connect(f"{user}-other")
    for thread_id in used[:3]:
        await refused(client.threads.get(thread_id))
        assert (await other.threads.create(thread_id=thread_id))["thread_id"] == thread_id, "the id is free"


# -- 9. a collection item whose context repeats its content ------------------------------------------


async def test_an_item_whose_context_equals_its_content_can_be_edited(server, client, user):
    namespace = ["memory", user, "collection"]
    await client.store.put_item(namespace, "k", {"content": "The user likes tea."})
    same = {"content": "The user likes green tea.", "context": "The user likes green tea."}
    assert (await admin.update_memory(client, user, "collection", "k", same))["context"] is None
    async with _http(server, _token(user)) as page:
        edited = await page.put("/memories/api/items/collection/k", json={"value": same})
        assert edited.status_code == 200, edited.text
    assert (await client.store.get_item(namespace, "k"))["value"] == {
        "content": "The user likes green tea.",
        "context": None,
    }


# -- found by the outside attacker after the first round ---------------------------------------------


async def test_a_user_cannot_stall_the_store_or_spend_on_other_models(server, client, user):
    namespace = ["memory", user, "collection"]
    for name, call in {
        "a 5 MB value": client.store.put_item(namespace, "big", {"content": "A " * 2_500_000}),
        "a key with NUL": client.store.put_item(namespace, "a\x00b", {"content": "x"}),
        "a 3 MB query": client.store.search_items(namespace, query="q" * 3_000_000),
        "a huge page": client.store.search_items(namespace, limit=10**9),
        "an unlisted model": client.assistants.create(graph_id="chatbot", context={"model": "openai:o1-pro"}),
        "bad settings in config.configurable": client.assistants.create(
            graph_id="chatbot", config={"configurable": {"memory_top_k": "lots", "model": "nonsense"}}
        ),
        "a run far in the future": client.runs.create(None, "chatbot", input=HELLO, after_seconds=10**9),
        "a run's unlisted model": client.runs.wait(None, "chatbot", input=HELLO, context={"model": "openai:o1-pro"}),
    }.items():
        assert await refused(call), name
    assert await memories(client, user, "collection") == []


async def test_an_anonymous_caller_learns_nothing_about_writer_thread_ids(server, user, server_secret):
    async with _http(server) as anonymous:
        for thread_id in (writer_thread_id(user, "profile"), str(uuid.uuid4())):
            assert (await anonymous.post(f"/threads/{thread_id}/copy")).status_code == 401


def test_the_route_guard_closes_the_v2_protocol_whatever_the_transport():
    from agent.server.route_guard import closed

    for path in (
        "/threads/abc/stream/events",
        "/threads/abc/commands",
        "/runs/abc/protocol",
        "/internal/truncate",
        "/deploy",
        "/deploy/x/stream",
        "/ui/chatbot",
    ):
        assert closed(path), path
    for path in ("/threads/abc/runs/stream", "/threads/abc/stream", "/threads/search", "/memories", "/ok"):
        assert not closed(path), path


# -- found by the outside attacker, second round ---------------------------------------------------------


async def test_one_users_bad_store_calls_fail_no_other_users_calls(connect, user):
    """The store batches calls that arrive together: one caller's failing call must fail alone.

    Mallory floods values the in-memory index cannot embed (``context`` repeating ``content``: "Number of
    embeddings (1) does not match number of indices (2)" for the whole batch) and requests the server
    refuses; alice's puts and gets beside them must all succeed."""
    alice, mallory = connect(user), connect(f"{user}-m")
    mine, poison = ["memory", user, "collection"], ["memory", f"{user}-m", "collection"]
    flooding = True

    async def flood() -> None:
        round_ = 0
        while flooding:
            await asyncio.gather(
                *(mallory.store.put_item(poison, f"k{round_}-{i}", {"content": "x", "context": "x"}) for i in range(4)),
                mallory.store.put_item(poison, "nul", {"content": "a\x00b"}),
                mallory.store.search_items(poison, filter={"content": {"$gt": 1}}),
                return_exceptions=True,
            )
            round_ += 1

    flooder = asyncio.create_task(flood())
    try:
        for i in range(12):
            await asyncio.gather(
                alice.store.put_item(mine, f"k{i}", {"content": f"The user owns {i} bicycles."}),
                alice.store.get_item(mine, f"k{max(i - 1, 0)}") if i else asyncio.sleep(0),
            )
    finally:
        flooding = False
        await flooder
    assert len(await memories(alice, user, "collection")) == 12
    assert (await mallory.store.get_item(poison, "k0-0"))["value"]["content"] == "x", "stored, not refused"


async def test_two_users_saving_the_same_text_at_once_both_succeed(connect, user):
    a, b = connect(user), connect(f"{user}-b")
    for trial in range(6):
        fact = {"content": f"The user likes chess ({trial})."}
        await asyncio.gather(
            a.store.put_item(["memory", user, "collection"], f"k{trial}", fact),
            b.store.put_item(["memory", f"{user}-b", "collection"], f"k{trial}", fact),
        )
    assert len(await memories(a, user, "collection")) == len(await memories(b, f"{user}-b", "collection")) == 6


async def test_store_requests_that_would_fail_or_stall_a_batch_are_refused(client, user):
    namespace = ["memory", user, "collection"]
    await client.store.put_item(namespace, "kept", {"content": "The user likes tea."})
    for name, call in {
        "a NUL in a value (Postgres refuses it, failing the batch)": client.store.put_item(
            namespace, "k", {"content": "a\x00b"}
        ),
        "a client's own index paths (thousands of embeddings)": client.store.put_item(
            namespace, "k", {"t": [str(i) for i in range(5000)]}, index=["t[*]"]
        ),
        "a filter operator (a comparison on text fails the batch)": client.store.search_items(
            namespace, filter={"content": {"$gt": 1}}
        ),
        "a 20 KB namespace label": client.store.put_item([*namespace, "x" * 20_000], "k", {"content": "x"}),
        "200 namespace labels": client.store.put_item([*namespace, *["x"] * 200], "k", {"content": "x"}),
        "an empty key": client.store.put_item(namespace, "", {"content": "x"}),
    }.items():
        assert await refused(call), name
    assert [m["value"]["content"] for m in await memories(client, user, "collection")] == ["The user likes tea."]
    assert (await client.store.search_items(namespace, filter={"content": "The user likes tea."}))["items"]


# -- found by the outside attacker, third round -----------------------------------------------------------


async def test_a_client_cannot_make_a_thread_of_the_memory_writer_graph(client, user):
    assert await refused(
        client.threads.create(
            graph_id="memory_writer",
            supersteps=[
                {
                    "updates": [
                        {"values": {"messages": [{"role": "user", "content": "I'm Mallory."}]}, "as_node": "__start__"}
                    ]
                }
            ],
        )
    )
    assert (await client.threads.create(graph_id="chatbot"))["metadata"]["graph_id"] == "chatbot"
