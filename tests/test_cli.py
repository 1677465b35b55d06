"""The command line as a newcomer meets it: every expected failure is one line on stderr and a non-zero exit,
tokens come from the secret in .env, and a chat goes on through a failed memory write."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from agent.memory.kinds import MEMORY_TYPES
from agent.secret import SECRET_ENV
from agent.server.tokens import mint
from devtools.dev_server import PROJECT_ROOT
from devtools.processes import free_port
from tests.conftest import AUTH_SECRET

CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in (SECRET_ENV, "MEMORY_CHATBOT_TOKEN")}


def _run(*args: str, cwd: Path = PROJECT_ROOT, env: dict | None = None, stdin: str | None = None):
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={**CLEAN_ENV, "PYTHONPATH": str(PROJECT_ROOT), **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line_error(done: subprocess.CompletedProcess, *said: str) -> str:
    assert done.returncode != 0, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for words in said:
        assert words in lines[0], lines[0]
    return lines[0]


def test_mint_reads_the_secret_from_dotenv_and_says_how_to_set_one(tmp_path):
    missing = _run("-m", "agent.client.tokens", "mint", "lance", cwd=tmp_path)
    _one_line_error(missing, SECRET_ENV, ">> .env")
    (tmp_path / ".env").write_text(f"{SECRET_ENV}=from-the-dotenv-file\n")
    minted = _run("-m", "agent.client.tokens", "mint", "lance", cwd=tmp_path)
    assert minted.returncode == 0, minted.stderr
    assert mint("lance", secret="from-the-dotenv-file").split(".")[0][:20] == minted.stdout.split(".")[0][:20]
    _one_line_error(_run("-m", "agent.client.tokens", "mint", "no.dots", cwd=tmp_path), "user_id")


def test_make_token_takes_user_id_not_the_shells_user():
    env = {**CLEAN_ENV, SECRET_ENV: "a-secret", "MAKEFLAGS": ""}
    usage = subprocess.run(["make", "-s", "token"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert usage.returncode != 0 and "USER_ID=" in usage.stderr
    made = subprocess.run(
        ["make", "-s", "token", "USER_ID=nina"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().count(".") == 1


def test_no_server_and_a_server_of_something_else_are_one_line_each():
    nothing = f"http://127.0.0.1:{free_port()}"
    _one_line_error(_run("-m", "agent.client", "memories", "--url", nothing, "--user", "lance"), "no server answers")
    elsewhere_env = {"LANGGRAPH_URL": nothing, "MEMORY_CHATBOT_TOKEN": mint("lance", secret="any")}
    _one_line_error(_run("-m", "agent.client", "memories", env=elsewhere_env), f"no server answers at {nothing}")
    _one_line_error(_run("-m", "agent.client", "memories", "--url", nothing), "who are you")
    _one_line_error(_run("-m", "agent.client", "memories", env={"MEMORY_CHATBOT_TOKEN": " "}), "the token is empty")
    carl = {"MEMORY_CHATBOT_TOKEN": mint("carl", secret="any")}
    _one_line_error(_run("-m", "agent.client", "export", "--user", "dan", env=carl), "the token is 'carl'")
    with _hangs_up() as rude:  # something else on the port: takes the connection, says nothing, closes it
        _one_line_error(_run("-m", "agent.client", "chat", "--url", rude, "--user", "lance"), "did not answer like")
    assert _run("-m", "agent.client", "--help").stdout.startswith("usage: python -m agent.client")


def test_each_command_has_its_own_help_and_usage_errors_are_one_line():
    assert _run("-m", "agent.client", "chat", "--help").stdout.startswith("usage: python -m agent.client chat")
    assert "TYPE KEY VERSION" in _run("-m", "agent.client", "restore", "--help").stdout
    _one_line_error(_run("-m", "agent.client", "restore", "profile", "profile"), "VERSION", "restore --help")
    _one_line_error(_run("-m", "agent.client", "review", "fix", "an-id"), "TEXT", "review fix --help")
    _one_line_error(_run("-m", "agent.client", "remember"), "invalid choice: 'remember'")
    with socket.socket() as silent:  # a program that holds the port and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        elsewhere = f"http://127.0.0.1:{silent.getsockname()[1]}"
        done = _run("-m", "agent.client", "memories", "--url", elsewhere, "--user", "lance")
    _one_line_error(done, "did not answer")


@pytest.mark.server
@pytest.mark.parametrize(
    "token, said",
    [
        ("", "the token is empty"),
        ("not-a-token", "malformed token"),
        (mint("lance", secret="not-the-servers-secret"), "signature"),
        (mint("lance", secret=AUTH_SECRET, days=-1), "expired"),
    ],
    ids=["no token", "malformed", "forged", "expired"],
)
def test_a_refused_token_is_one_line_that_says_how_to_get_one(server, token, said):
    args = ["-m", "agent.client", "memories", "--url", server.url, "--token", token]
    _one_line_error(_run(*args), said, "make token")


@pytest.mark.server
def test_a_refused_setting_is_one_line_with_the_servers_reason(server, user):
    token = mint(user, secret=AUTH_SECRET)
    done = _run("-m", "agent.client", "chat", "--url", server.url, "--token", token, "--model", "openai:gpt-9")
    _one_line_error(done, "not allowed here")


@pytest.mark.server
@contextlib.contextmanager
def _hangs_up():
    """A TCP server that accepts each connection and closes it without a word (a program not speaking HTTP)."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                connection, _ = listener.accept()
                connection.close()

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        worker.join()
        listener.close()


def test_chat_waits_for_the_memory_write_on_new_and_goes_on_after_a_failed_one(server, user, endpoint):
    token = mint(user, secret=AUTH_SECRET)
    chat = ["-m", "agent.client", "chat", "--url", server.url, "--token", token, "--memory-type", "profile"]
    done = _run(*chat, stdin="I'm Nina and I live in Oslo.\n/new\nWhat do you know about me?\n/quit\n")
    assert done.returncode == 0, done.stderr
    assert "(saving what you said to memory...)" in done.stdout
    assert "Oslo" in done.stdout.split("(new thread")[1], "the new thread knows what the old one taught"

    endpoint.fail_if = lambda request: "<conversation>" in str(request.get("messages"))  # every write fails
    done = _run(*chat, stdin="I work as a pilot.\n/memories\nAre you still there?\n/quit\n")
    assert done.returncode == 0, done.stderr
    assert "(not saved to memory:" in done.stdout
    assert done.stdout.count("bot> ") == 2, "the chat went on after the failed write"


@pytest.mark.server
def test_what_was_said_can_be_listed_added_from_earlier_chats_forgotten_and_exported(server, user, tmp_path):
    base = ["-m", "agent.client", "--url", server.url, "--token", mint(user, secret=AUTH_SECRET)]
    chat = _run(
        *base[:2], "chat", *base[2:], "--memory-type", "collection", stdin="I like kayaking.\n/memories\n/quit\n"
    )
    assert chat.returncode == 0, chat.stderr

    def run(*args: str) -> str:
        done = _run(*base[:2], *args, *base[2:])
        assert done.returncode == 0 and not done.stderr.strip(), done.stderr
        return done.stdout

    [line] = [line for line in run("episodes").splitlines() if "'I like kayaking.'" in line]
    key = line.split("[", 1)[1].split("]", 1)[0]
    added = run("add-earlier-chats")
    assert "added 0 exchanges from 1 chat" in added and "1 already kept" in added, added
    assert "the facts drawn from it stay" in run("forget-episode", key)
    assert "1 deleted by you left out" in run("add-earlier-chats"), "a forgotten exchange is never brought back"
    assert "'I like kayaking.'" not in run("episodes")
    run("export", str(tmp_path / "me.json"))
    assert "kayaking" in (tmp_path / "me.json").read_text()
    assert "memory as it was at" in run("restore-at", "2026-01-01T00:00")
    _one_line_error(_run(*base[:2], "restore-at", "yesterday", *base[2:]), "ISO 8601")
    _one_line_error(_run(*base[:2], "forget-episode", "no-such-episode", *base[2:]), "no episode")


@pytest.mark.server
def test_facts_held_for_review_are_listed_confirmed_fixed_and_discarded(server, user, endpoint, tmp_path):
    base = ["-m", "agent.client", "--url", server.url, "--token", mint(user, secret=AUTH_SECRET)]

    def run(*args: str) -> str:
        done = _run(*base[:2], *args, *base[2:])
        assert done.returncode == 0 and not done.stderr.strip(), done.stderr
        return done.stdout

    endpoint.mode = "garbled"  # the verification is unusable: every new fact waits for review
    chat = _run(
        *base[:2], "chat", *base[2:], "--memory-type", "collection", stdin="I'm Nora and I live in Rome.\n/new\n/quit\n"
    )
    assert chat.returncode == 0, chat.stderr
    held = "(memory: Held for your review: The user's name is Nora., The user lives in Rome.)"
    assert held in chat.stdout, chat.stdout
    endpoint.mode = "honest"
    listed = run("review")
    assert "'The user lives in Rome.'" in listed and "held because it could not be checked" in listed, listed
    assert "you said" in listed and "'I live in Rome'" in listed, listed
    ids = {
        line.split("] ")[1]: line.split("[")[1].split("]")[0] for line in listed.splitlines() if line.startswith("  [")
    }
    assert "kept as a memory" in run("review", "confirm", ids["collection: 'The user lives in Rome.'"])
    assert "kept, in your words" in run("review", "fix", ids['collection: "The user\'s name is Nora."'], "Call me Nora")
    assert "nothing waits for your review" in run("review")
    stored = run("memories", "--memory-type", "collection")
    assert "The user lives in Rome." in stored and "Call me Nora" in stored, stored
    history = run("export", str(tmp_path / "me.json"))
    assert "Rome" in (tmp_path / "me.json").read_text() and history
    _one_line_error(_run(*base[:2], "review", "confirm", *base[2:]), "required: ID", "review confirm --help")
    _one_line_error(_run(*base[:2], "review", "discard", "no-such-id", *base[2:]), "nothing is waiting")


@pytest.mark.server
def test_edit_changes_only_the_fields_given_add_writes_a_memory_and_forget_says_what_went(server, user):
    base = ["-m", "agent.client", "--url", server.url, "--token", mint(user, secret=AUTH_SECRET)]

    def run(*args: str, stdin: str | None = None) -> str:
        done = _run(*base[:2], *args, *base[2:], stdin=stdin)
        assert done.returncode == 0 and not done.stderr.strip(), done.stderr
        return done.stdout

    assert "added profile memory [profile]" in run("add", "profile", '{"name": "Ines", "location": "Lisbon"}')
    edited = run("edit", "profile", "profile", '{"job": "architect"}')
    assert '"name": "Ines"' in edited and '"location": "Lisbon"' in edited and '"job": "architect"' in edited
    _one_line_error(
        _run(*base[:2], "edit", "profile", "profile", '{"shoe_size": 42}', *base[2:]), "no field 'shoe_size'"
    )
    _one_line_error(_run(*base[:2], "add", "profile", '{"name": "X"}', *base[2:]), "it exists: change it with edit")
    listed = run("memories", "--memory-type", "profile")
    assert "name: Ines" in listed and "location: Lisbon" in listed and "job: architect" in listed, listed
    versions = run("memories", "history", "profile")  # a one-document kind: no key to give
    assert "v1" in versions and "v2" in versions and "architect" in versions, versions
    replaced = run("edit", "profile", "profile", '{"name": "Ines"}', "--replace")
    assert '"location": null' in replaced or '"location"' not in replaced, replaced
    added = run("add", "collection", '{"content": "I prefer green tea."}')
    assert "added collection memory [" in added
    assert "I prefer green tea." in run("memories", "--memory-type", "collection")
    gone = run("forget", "--yes")
    assert gone.startswith("forgot 2 memories, 0 exchanges said, 2 memory histories"), gone
    assert "{" not in gone


@pytest.mark.server
def test_the_demo_says_what_each_kind_kept_and_why_one_kept_nothing(server, endpoint):
    token = mint(f"demo-{uuid.uuid4().hex[:6]}", secret=AUTH_SECRET)
    done = _run("-m", "agent.client", "demo", "--url", server.url, "--token", token)
    assert done.returncode == 0, done.stderr
    for memory_type in MEMORY_TYPES:
        assert f"=== memory type: {memory_type}" in done.stdout
    assert done.stdout.count("(memory: saved ") == len(MEMORY_TYPES), done.stdout
    assert "San Francisco" in done.stdout and "Nothing kept" not in done.stdout

    endpoint.mode = "text_only"  # the model answers every extraction in prose: nothing is kept
    token = mint(f"demo-{uuid.uuid4().hex[:6]}", secret=AUTH_SECRET)
    done = _run("-m", "agent.client", "demo", "--url", server.url, "--token", token, "--memory-type", "collection")
    assert done.returncode == 0, done.stderr
    assert "collection memory (0 stored)" in done.stdout
    assert "Nothing kept:" in done.stdout and "{" not in done.stdout.split("(memory:")[1].splitlines()[0], done.stdout


@pytest.mark.server
def test_chat_notices_what_memory_changed_says_why_and_keeps_a_temporary_turn_out(server, user):
    base = ["--url", server.url, "--token", mint(user, secret=AUTH_SECRET)]
    said = "\n".join(
        ["I live in Lisbon.", "/new", "Where do I live?", "/why", "/temporary", "I like chess.", "/new"]
        + ["I like tennis.", "/new", "/quit", ""]
    )
    done = _run("-m", "agent.client", "chat", "--memory-type", "collection", *base, stdin=said)
    assert done.returncode == 0, done.stderr
    assert "(memory: Remembered: The user lives in Lisbon.)" in done.stdout, done.stdout
    why = done.stdout.split("This answer used:")[1]
    step = f".venv/bin/python -m agent.client --url {server.url}"  # as this chat was run: a step to copy
    assert "export MEMORY_CHATBOT_TOKEN=<your token> first" in done.stdout
    assert "collection: The user lives in Lisbon." in why and f"forget: {step} delete collection" in why, why
    assert f"""fix: {step} edit collection""" in why and """'{"content": "The user lives in Lisbon."}'""" in why
    assert 'you said: "I live in Lisbon."' in why and "forget-episode" in why
    assert "temporary from now on" in done.stdout
    listed = _run("-m", "agent.client", "memories", *base).stdout + _run("-m", "agent.client", "episodes", *base).stdout
    assert "Lisbon" in listed and "chess" not in listed and "tennis" in listed, "a /new thread is kept again"


@pytest.mark.server
def test_memory_off_and_on_and_never_keep_from_the_command_line(server, user):
    base = ["--url", server.url, "--token", mint(user, secret=AUTH_SECRET)]

    def run(*args: str, stdin: str | None = None) -> str:
        done = _run("-m", "agent.client", *args, *base, stdin=stdin)
        assert done.returncode == 0 and not done.stderr.strip(), done.stderr
        return done.stdout

    assert "memory is off" in run("memory-off", "--unused") and "do not use" in run("memory-off", "--unused")
    chat = run("chat", "--memory-type", "collection", stdin="I like chess.\n/memories\n/quit\n")
    assert "your memory is paused" in chat and "(memory: paused, so nothing was saved)" in chat, chat
    assert "collection memory (0 stored)" in chat or "chess" not in chat.split("/memories")[-1], chat
    assert "memory is on" in run("memory-on")
    run("add", "collection", '{"content": "I see a physiotherapist for my back pain."}')
    offered = run("never-keep", "anything about my health", stdin="y\n")
    assert "back pain" in offered and "forgot 1" in offered, offered
    assert "back pain" not in run("memories", "--memory-type", "collection")
    assert "anything about my health" in run("never-keep")
    _one_line_error(_run("-m", "agent.client", "never-keep", " ", *base), "names a topic")
