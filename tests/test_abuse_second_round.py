"""The attack suite, second round: no prompt amplified, every way into a thread capped, no 500 on the caller's own
input, long work as a job, per-user bounds on store writes and queued runs, no webhook into the inside, and a
fair share that counts each run once. Each test is a finding of an outside attack on the server."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from agent import limits
from agent.client.sdk import ensure_assistant, send, user_says, wait_for_memory
from agent.context import Context
from agent.memory.procedural import answering_prompt
from agent.server import fair_share, webhooks
from agent.server.fair_share import NEW, _Admitted, _counted
from agent.server.tokens import mint
from tests.conftest import AUTH_SECRET
from tests.test_abuse import FAST, _http, _refusal

# -- prompt amplification ---------------------------------------------------------------------------------


def test_each_place_in_the_prompt_is_filled_once_from_the_template_only():
    template = "{memory}" * 1_000 + "{instructions}{time}"
    memory = "{instructions}{memory}" * 50 + "m" * 1_000  # a user's own memory holding the places
    filled = answering_prompt(template, memory, "keep it short", "2026-12-07 10:00")
    assert len(filled) <= len(template) + len(memory) + len("keep it short") + len("2026-12-07 10:00")
    assert filled.startswith(memory), "the first place is filled, with the memory as it is (its places left alone)"
    assert filled.count("keep it short") == 1


def test_every_budget_setting_is_bounded_by_the_prompt_cap():
    cap = limits.PROMPT_CHARS.value()
    with pytest.raises(ValueError, match=limits.PROMPT_CHARS.env):
        Context(memory_char_budget=100_000)
    with pytest.raises(ValueError, match=limits.PROMPT_CHARS.env):
        Context(system_prompt="s" * 15_000, memory_char_budget=cap - 15_000, instructions_char_budget=8_000)
    Context(system_prompt="s" * 15_000, memory_char_budget=cap - 24_000, instructions_char_budget=8_000)


async def test_a_prompt_full_of_places_reaches_the_model_within_its_cap(client, user, endpoint):
    assistant = await ensure_assistant(client, "semantic", **FAST)
    await client.store.put_item(
        ["memory", user, "semantic"], "semantic", {"content": "{instructions}{memory} " * 300}, index=False
    )
    system_prompt = "{memory}" * 1_900 + "{instructions}"  # 16,000 characters of places
    settings = {"system_prompt": system_prompt, "memory_char_budget": 40_000}
    thread = (await client.threads.create())["thread_id"]
    endpoint.requests.clear()
    await client.runs.wait(thread, assistant, input=user_says("What do you remember?"), context=settings)
    [answering] = [r for r in endpoint.requests if "What do you remember?" in json.dumps(r["messages"])][:1]
    size = sum(len(m.get("content") or "") for m in answering["messages"])
    assert size <= limits.PROMPT_CHARS.value(), size


# -- every way into a thread ----------------------------------------------------------------------------------


async def test_tool_call_arguments_count_toward_the_input_caps(client, user):
    assistant = await ensure_assistant(client, "collection", **FAST)
    call = {"name": "search", "args": {"q": "x" * (limits.MESSAGE_CHARS.default + 10)}, "id": "call_1"}
    stuffed = {
        "messages": [{"role": "assistant", "content": "", "tool_calls": [call]}, {"role": "user", "content": "Hi"}]
    }
    status, detail = await _refusal(client.runs.wait(None, assistant, input=stuffed))
    assert status == 413 and limits.MESSAGE_CHARS.env in detail, detail


async def test_state_updates_and_commands_are_held_to_the_same_caps(server, client, user):
    assistant = await ensure_assistant(client, "collection", **FAST)
    thread = (await client.threads.create())["thread_id"]
    await send(client, assistant, thread, user, "Hello!")
    big = {"role": "user", "content": "x" * (limits.MESSAGE_CHARS.default + 1)}
    many = [{"role": "user", "content": "hi"} for _ in range(limits.INPUT_MESSAGES.default + 1)]
    for values in ({"messages": [big]}, {"messages": many}, [{"messages": [big]}]):
        status, detail = await _refusal(client.threads.update_state(thread, values))
        assert status == 413, detail
    async with _http(server, user) as http:
        pairs = {"assistant_id": assistant, "command": {"update": [["messages", many]]}}
        response = await http.post(f"/threads/{thread}/runs/wait", json=pairs)
        assert response.status_code == 413 and limits.INPUT_MESSAGES.env in response.text, response.text
    # The thread's own size: updates that would take it past its limit are refused, and say what to do.
    chunk = [{"role": "user", "content": "y" * 19_000}, {"role": "user", "content": "z" * 19_000}]
    for _ in range(limits.THREAD_CHARS.default // 38_000 + 2):
        try:
            await client.threads.update_state(thread, {"messages": chunk})
        except httpx.HTTPStatusError as refused:
            assert refused.response.status_code == 413 and "start a new thread" in refused.response.text
            break
    else:
        pytest.fail("the thread outgrew its limit")
    state = await client.threads.get_state(thread)
    size = sum(len(m["content"]) for m in state["values"]["messages"])
    assert size <= limits.THREAD_CHARS.default


async def test_the_history_route_returns_a_bounded_number_of_states(server, client, user):
    thread = (await client.threads.create())["thread_id"]
    async with _http(server, user) as http:
        for response in (
            await http.get(f"/threads/{thread}/history", params={"limit": 1_000}),
            await http.post(f"/threads/{thread}/history", json={"limit": 1_000}),
        ):
            assert response.status_code == 422 and limits.HISTORY_STATES.env in response.text, response.text
        assert (await http.get(f"/threads/{thread}/history", params={"limit": 10})).status_code == 200
        assert (await http.post(f"/threads/{thread}/history", json={})).status_code == 200, "the default, 10"


async def test_an_assistants_description_is_capped_on_create_and_update(client, user):
    assistant = await ensure_assistant(client, "collection", **FAST)
    long = "d" * 200_000
    for call in (
        client.assistants.create(graph_id="chatbot", description=long),
        client.assistants.update(assistant, description=long),
    ):
        status, detail = await _refusal(call)
        assert status == 413 and limits.NAME_CHARS.env in detail, detail


# -- no 500 on the caller's own input -------------------------------------------------------------------------


async def test_the_pages_inputs_that_made_the_server_fail_are_4xx_and_the_connection_lives_on(server, client, user):
    await client.store.put_item(["memory", user, "collection"], "k", {"content": "The user likes tea."})
    async with _http(server, user) as http:
        for method, path, body in (
            ("GET", "/memories/api/episodes?offset=" + "9" * 30, None),
            ("GET", "/memories/api/episodes?offset=-1", None),
            ("POST", "/memories/api/restore-at", '{"at": "0001-01-01T00:00:00+05:00"}'),
            ("POST", "/memories/api/restore-at", '{"at": "9999-12-31T23:59:59-05:00"}'),
            ("PUT", "/memories/api/items/collection/k", '{"value": {"content": "\\ud800 lone"}}'),
        ):
            headers = {"Content-Type": "application/json"} if body else {}
            response = await http.request(method, path, content=body, headers=headers)
            assert 400 <= response.status_code < 500, (path, response.status_code, response.text[:200])
            follow = await http.get("/memories/api/items")  # the same connection, still answering
            assert follow.status_code == 200
        store = await http.put(
            "/store/items",
            content=LONE_SURROGATE_PUT.replace("USER", user),
            headers={"Content-Type": "application/json"},
        )
        assert store.status_code == 422, store.text


async def test_a_slow_request_body_is_cut_off(server, user):
    url = urlsplit(server.url)
    token = mint(user, secret=AUTH_SECRET)
    started = time.monotonic()
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(
        (
            f"POST /threads HTTP/1.1\r\nHost: {url.hostname}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        ).encode()
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(200), timeout=30)
    writer.close()
    assert b" 408 " in answer.split(b"\r\n", 1)[0], answer
    assert time.monotonic() - started < 20


LONE_SURROGATE_PUT = '{"namespace": ["memory", "USER", "collection"], "key": "s", "value": {"content": "\\udfff"}}'


# -- long work and per-user bounds ----------------------------------------------------------------------------


async def test_store_writes_are_paced_per_user_and_another_user_is_untouched(connect, user, monkeypatch):
    flooder, other = connect(f"{user}-flood"), connect(f"{user}-calm")
    refused = None
    for i in range(limits.EMBEDDED_WRITES.default + 5):
        try:
            await flooder.store.put_item(["memory", f"{user}-flood", "collection"], f"k{i}", {"content": f"fact {i}"})
        except httpx.HTTPStatusError as error:
            refused = error.response
            break
    assert refused is not None and refused.status_code == 429, "the flood was never paced"
    assert limits.EMBEDDED_WRITES.env in refused.text and refused.headers.get("retry-after")
    await other.store.put_item(["memory", f"{user}-calm", "collection"], "k", {"content": "calm"})
    await flooder.store.put_item(["memory", f"{user}-flood", "collection"], "plain", {"content": "x"}, index=False)


async def test_runs_queued_behind_one_busy_thread_are_bounded(client, user, endpoint):
    assistant = await ensure_assistant(client, "collection", **FAST)
    thread = (await client.threads.create())["thread_id"]
    endpoint.stall_seconds, endpoint.stall_if = 20, lambda request: "hold on" in json.dumps(request)
    await client.runs.create(thread, assistant, input=user_says("hold on"))
    queued, refused = 0, None
    try:
        for _ in range(limits.QUEUED_RUNS.default + 3):
            try:
                await client.runs.create(thread, assistant, input=user_says("next"), multitask_strategy="enqueue")
                queued += 1
            except httpx.HTTPStatusError as error:
                refused = error.response
                break
    finally:
        endpoint.stall_if = None
        for run in await client.runs.list(thread, limit=50):
            if run["status"] in ("pending", "running"):
                await client.runs.cancel(thread, run["run_id"])
    assert refused is not None and refused.status_code == 429 and limits.QUEUED_RUNS.env in refused.text
    assert queued <= limits.QUEUED_RUNS.default


def test_a_run_that_creates_its_thread_counts_once():
    """Admitted before its thread exists, a threadless run is a placeholder; once the database shows a busy thread
    that was not there when it was admitted, that thread is taken for it: one run, one slot."""
    recent = {f"{NEW}a": _Admitted(1.0, frozenset({"t1"})), f"{NEW}b": _Admitted(2.0, frozenset({"t1"}))}
    assert _counted({"t1"}, recent) == {"t1", f"{NEW}a", f"{NEW}b"}, "before their threads show: 3"
    assert len(_counted({"t1", "t2"}, recent)) == 3, "one thread shows: it is one of the two, still 3"
    assert len(_counted({"t1", "t2", "t3"}, recent)) == 3, "both show: 3, not 5"
    named = {"t4": _Admitted(3.0)}
    assert len(_counted({"t4"}, named)) == 1, "a run admitted by its thread's id is that thread"


async def test_threadless_and_batch_runs_take_one_slot_each(monkeypatch):
    busy: set[str] = set()

    async def listed(user: str, limit: int) -> set[str]:
        return set(busy)

    monkeypatch.setattr(fair_share, "_busy_threads", listed)
    monkeypatch.setenv(limits.ACTIVE_RUNS.env, "4")
    fair_share._admitted.pop("tess", None)
    for n in range(4):  # four threadless runs (a batch of four is four of these), each thread showing after it
        await fair_share.admit("tess", None)
        busy.add(f"thread-{n}")
    with pytest.raises(Exception, match=limits.ACTIVE_RUNS.env):
        await fair_share.admit("tess", None)


# -- webhooks --------------------------------------------------------------------------------------------


async def test_a_webhook_is_refused_unless_the_deployment_lists_its_public_host(client, user, monkeypatch):
    assistant = await ensure_assistant(client, "collection", **FAST)
    for hook in ("https://10.0.0.5/hook", "https://[fd00::1]/hook", "https://100.64.0.1/x", "https://example.com/"):
        status, detail = await _refusal(client.runs.create(None, assistant, input=user_says("Hi"), webhook=hook))
        # refused by the platform's own policy (langgraph.json's webhooks.url) or by ours (off by default)
        assert status == 422 and ("blocked" in detail or webhooks.HOSTS_ENV in detail), detail
    # Listed by a deployment, a host still may not resolve inside.
    monkeypatch.setenv(webhooks.HOSTS_ENV, "localhost,*.internal.test,10.1.2.3,fc00::5,169.254.169.254")
    own = socket.gethostname()
    for hook in (
        "https://localhost/h",
        "https://10.1.2.3/h",
        "https://[fc00::5]/h",
        "https://169.254.169.254/latest/meta-data",
        f"https://{own}/h",
        "http://localhost/h",
        "https://elsewhere.example/h",
    ):
        with pytest.raises(webhooks.WebhookRefused):
            await webhooks.check(hook)


async def test_adding_earlier_chats_is_a_job_with_progress(client, user):
    assistant = await ensure_assistant(client, "collection", **FAST)
    thread = (await client.threads.create())["thread_id"]
    await send(client, assistant, thread, user, "I like kayaking.")
    await wait_for_memory(client, thread)
    started = time.monotonic()
    report = await client.http.post("/memories/api/episodes/add-earlier-chats", json=None)
    assert report["state"] == "running" and time.monotonic() - started < 5, "answered at once"
    with pytest.raises(httpx.HTTPStatusError) as busy:
        await client.http.post("/memories/api/episodes/add-earlier-chats", json=None)
    assert busy.value.response.status_code == 409
    while report["state"] == "running":
        await asyncio.sleep(0.2)
        report = await client.http.get("/memories/api/episodes/add-earlier-chats")
    assert report["state"] == "done" and report["threads"] >= 1 and report["already_kept"] >= 1, report


def test_a_refused_put_counts_against_nothing(monkeypatch):
    from agent.server import store_quota

    monkeypatch.setenv(limits.STORE_WRITES.env, "5")
    monkeypatch.setenv(limits.EMBEDDED_WRITES.env, "2")
    store_quota._writes.clear()
    store_quota._charge("quinn", True)
    store_quota._charge("quinn", True)
    for _ in range(3):  # the embedded budget is spent: refused, and the plain budget keeps its 3 left
        with pytest.raises(Exception, match=limits.EMBEDDED_WRITES.env):
            store_quota._charge("quinn", True)
    for _ in range(3):
        store_quota._charge("quinn", False)
    with pytest.raises(Exception, match=limits.STORE_WRITES.env):
        store_quota._charge("quinn", False)


async def test_items_are_counted_once_at_a_time_in_small_pages(monkeypatch):
    from agent.server import store_quota

    calls: list[int] = []

    class Store:
        async def search_items(self, namespace, limit, offset):
            calls.append(limit)
            await asyncio.sleep(0.05)
            return {"items": [{}] * (limit if offset < 250 else 0)}

    class Client:
        store = Store()

    monkeypatch.setattr(store_quota, "get_client", lambda: Client())
    store_quota._counted.pop("rosa", None)
    for _ in range(20):  # twenty puts at once: one count
        await store_quota.charge_put("rosa", embedded=False)
    await asyncio.gather(*store_quota._tasks)
    assert calls == [store_quota.PAGE] * 4, "one count, a page of 100 at a time"
    assert store_quota._items("rosa") == 300 + 20, "the items counted, and the puts made while counting"
