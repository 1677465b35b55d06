"""Every shipped config builds for the platform, and `make serve` starts a server with free slots for chats."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from agent.secret import SECRET_ENV
from devtools.dev_server import JOBS_PER_WORKER, PROJECT_ROOT
from devtools.processes import free_port

CONFIGS = ["langgraph.json", "langgraph.local.json", "langgraph.openai.json"]
LANGGRAPH = str(Path(os.environ.get("VIRTUAL_ENV", PROJECT_ROOT / ".venv")) / "bin" / "langgraph")


def _cli() -> str:
    return LANGGRAPH if Path(LANGGRAPH).exists() else str(PROJECT_ROOT / ".venv" / "bin" / "langgraph")


@pytest.mark.parametrize("config", CONFIGS)
def test_every_config_validates_and_generates_a_dockerfile(config, tmp_path):
    for command in (
        [_cli(), "validate", "--config", config],
        [_cli(), "dockerfile", "-c", config, str(tmp_path / "Dockerfile")],
    ):
        done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    dockerfile = (tmp_path / "Dockerfile").read_text()
    assert dockerfile.startswith("FROM langchain/langgraph-api:0.16.7-py3.11"), "the image is the tested server"
    embeds_locally = "sentence-transformers" in json.dumps(json.loads((PROJECT_ROOT / config).read_text()))
    if embeds_locally:
        torch = dockerfile.index("download.pytorch.org/whl/cpu")
        assert "torch==" in dockerfile[: torch + 60]
        assert torch < dockerfile.index("sentence-transformers") < dockerfile.index("ADD . /deps/"), (
            "a CPU-only torch is installed before anything that would pull a CUDA build"
        )
    else:
        assert "torch" not in dockerfile


class _Output:
    """A process's output, read as it comes, so a test can wait for a line without ending the process."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._process = process
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, seconds: float = 180) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            assert self._process.poll() is None, "".join(self.lines[-50:])
            time.sleep(0.3)
        pytest.fail(f"{text!r} never printed:\n{''.join(self.lines[-50:])}")

    def text(self) -> str:
        """All of it, once the process has ended."""
        self._reader.join(timeout=30)
        return "".join(self.lines)


def _descendant_commands(pid: int) -> list[str]:
    out = subprocess.run(["ps", "-ww", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout
    rows = [line.split(None, 2) for line in out.splitlines() if len(line.split(None, 2)) == 3]
    family, found = {pid}, []
    for _ in range(5):
        for child, parent, args in rows:
            if int(parent) in family and int(child) not in family:
                family.add(int(child))
                found.append(args)
    return found


def _make_serve(port: int, config: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "-s", "serve", f"PORT={port}", f"CONFIG={config}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


@pytest.mark.server
def test_make_serve_refuses_clearly_starts_with_free_slots_and_says_how_to_use_it(tmp_path):
    port = free_port()
    env = {**os.environ, "MAKEFLAGS": ""}
    env.pop(SECRET_ENV, None)
    refused = _make_serve(port, "langgraph.json", env)
    assert refused.returncode != 0 and SECRET_ENV in refused.stderr, "auth on and no secret: a clear refusal"
    assert "Traceback" not in refused.stderr, refused.stderr
    assert len([line for line in refused.stderr.splitlines() if SECRET_ENV in line]) == 1, "one line says it"
    with socket.socket() as held:  # another program on the port
        held.bind(("127.0.0.1", 0))
        held.listen()
        busy = _make_serve(held.getsockname()[1], "langgraph.local.json", env)
    assert busy.returncode != 0 and "in use by another program" in busy.stderr, busy.stderr
    assert "Traceback" not in busy.stderr

    serving = subprocess.Popen(
        ["make", "-s", "serve", f"PORT={port}", "CONFIG=langgraph.local.json"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        printed = _Output(serving)
        printed.wait_for("Ctrl-C stops it.")  # the greeting, printed once the server answers
        commands = " ".join(_descendant_commands(serving.pid))
        assert f"--n-jobs-per-worker {JOBS_PER_WORKER}" in commands and f"--port {port}" in commands, commands
        # The page says plainly what a server without sign-in means for it.
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/memories/api/items", timeout=10)
            pytest.fail("the page's API answered without a user")
        except urllib.error.HTTPError as refusal:
            assert refusal.code == 401 and json.loads(refusal.read())["no_auth"] is True
    finally:
        os.killpg(serving.pid, signal.SIGTERM)
        serving.wait(timeout=60)
    output = printed.text()
    for said in (
        "model:",
        "memory page:",
        f"http://127.0.0.1:{port}/memories",
        ".dev-state/langgraph.local/",
        "the log:",
    ):
        assert said in output, f"the start does not say {said!r}:\n{output[-3000:]}"
    assert "/docs" not in output and "Traceback" not in output, output[-3000:]
    assert "[info" not in output and "Loading weights" not in output, f"a quiet start:\n{output[:3000]}"
    log = (PROJECT_ROOT / ".dev-state" / "langgraph.local" / "server.log").read_text()
    after_ready = output.split("Ctrl-C stops it.", 1)[1]
    assert "/memories/api/items" in log and "/memories/api/items" not in after_ready, "requests go to the log only"
    assert (PROJECT_ROOT / ".dev-state" / "langgraph.local" / ".langgraph_api").is_dir(), "its own state"
