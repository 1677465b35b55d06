"""Every shipped config builds for the platform, and `make serve` starts a server with free slots for chats."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
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


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else "exited"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer")


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


@pytest.mark.server
def test_make_serve_leaves_chats_free_slots(tmp_path):
    port = free_port()
    env = {**os.environ, "MAKEFLAGS": ""}
    env.pop(SECRET_ENV, None)
    refused = subprocess.run(
        ["make", "-s", "serve", f"PORT={port}", "CONFIG=langgraph.json"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert refused.returncode != 0 and SECRET_ENV in refused.stderr, "auth on and no secret: a clear refusal"

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
        _wait_for(f"http://127.0.0.1:{port}/ok", serving)
        commands = " ".join(_descendant_commands(serving.pid))
        assert f"--n-jobs-per-worker {JOBS_PER_WORKER}" in commands and f"--port {port}" in commands, commands
    finally:
        os.killpg(serving.pid, signal.SIGTERM)
        serving.wait(timeout=30)
