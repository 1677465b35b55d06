"""A client nobody on the team wrote: the official JavaScript SDK drives the test session's server.

tests/js/ holds node test files using `@langchain/langgraph-sdk` (pinned by tests/js/package-lock.json;
`make test` runs `npm ci` there). They get the server's URL and tokens for two users through the
environment, and this test fails with node's report if any of their checks fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from agent.server.tokens import mint
from tests.conftest import AUTH_SECRET

pytestmark = [pytest.mark.server, pytest.mark.node]


JS_DIR = Path(__file__).parent / "js"
SDK = JS_DIR / "node_modules" / "@langchain" / "langgraph-sdk"


def _node_env(server_url: str) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    alice, bob = f"js-alice-{suffix}", f"js-bob-{suffix}"
    return {
        **os.environ,
        "LANGGRAPH_URL": server_url,
        "USER_A": alice,
        "TOKEN_A": mint(alice, secret=AUTH_SECRET),
        "USER_B": bob,
        "TOKEN_B": mint(bob, secret=AUTH_SECRET),
        "FORGED_TOKEN": mint(alice, secret="not-" + AUTH_SECRET),
    }


def test_the_javascript_sdk_drives_the_server(server):
    node = shutil.which("node")
    assert node, "node (20 or newer) runs the JavaScript SDK checks"
    assert SDK.is_dir(), "the JavaScript SDK is not installed: `make test`, or `npm ci` in tests/js"
    # One file at a time: several files write the same user's memory. Any check may take 60 s at most.
    command = [node, "--test", "--test-reporter=spec", "--test-concurrency=1", "--test-timeout=60000"]
    try:
        done = subprocess.run(command, cwd=JS_DIR, env=_node_env(server.url), capture_output=True, timeout=300)
    except subprocess.TimeoutExpired as hung:
        pytest.fail(f"JavaScript SDK checks hung for {hung.timeout} s:\n{(hung.stdout or b'').decode()}")
    assert done.returncode == 0, f"JavaScript SDK checks failed:\n{done.stdout.decode()}\n{done.stderr.decode()}"
