"""`make serve`: `langgraph dev` in the foreground, ready for people: free job slots, its own state, a clear start.

- Refuses, in one line each, a config with auth and no secret, and a port another program holds.
- Each config's state lives apart, in `.dev-state/<config>/`: nothing made under one config (assistants,
  threads, memories, queued writes) appears under another.
- `langgraph dev` runs one job at a time unless told otherwise; this gives it JOBS_PER_WORKER slots.
- Once the server answers, it says which model answers, where the memory page is and how to get a token.
  The server's own banner line for `/docs` is left out: the deployment does not serve it.
- The server's whole log goes to `.dev-state/<config>/server.log`. The terminal shows it until the server
  answers, then only warnings and errors (with their tracebacks), so the ready banner stays in view;
  `--verbose` shows every line.

    python -m devtools.serve [--config langgraph.json] [--port 2024] [--jobs 10] [--verbose]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from dotenv import dotenv_values

from agent.context import LOCAL_MODEL, OPENAI_MODEL
from agent.secret import HOW_TO_SET, SECRET_ENV
from devtools.dev_server import JOBS_PER_WORKER, PROJECT_ROOT, config_copy, langgraph_cli

STATE_DIR = PROJECT_ROOT / ".dev-state"
_HIDDEN = ("API Docs:",)  # banner lines about routes this deployment does not serve
LOG_NAME = "server.log"
_WORTH_SHOWING = re.compile(r"\[(?:warning|error|critical)\s*\]|^(?:WARNING|ERROR|CRITICAL)[:\s]|Traceback")
_CALLERS_MISTAKE = re.compile(r"\bstatus=4\d\d\b")  # a request refused (401, 404, 422...): the caller's, not ours
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def settings() -> dict[str, str]:
    """What the server will see: the environment over the project's `.env`."""
    found = dotenv_values(PROJECT_ROOT / ".env") if (PROJECT_ROOT / ".env").exists() else {}
    return {k: v for k, v in {**found, **os.environ}.items() if v is not None}


def missing_secret(config: dict, env: dict[str, str]) -> str | None:
    """Why a server with this config would refuse every request, or None."""
    if "auth" not in config or env.get(SECRET_ENV):
        return None
    return (
        f"error: this config turns auth on and {SECRET_ENV} is not set (in .env or the environment). "
        f"Set one: {HOW_TO_SET}"
    )


def port_taken(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def model_in_use(env: dict[str, str]) -> str:
    if env.get("OPENAI_API_KEY"):
        return f"{OPENAI_MODEL} (via {env.get('OPENAI_BASE_URL') or 'OpenAI'})"
    return f"{LOCAL_MODEL} (embedded and offline: no OPENAI_API_KEY is set)"


def greeting(url: str, with_auth: bool, env: dict[str, str], state: Path) -> str:
    lines = [
        f"Ready at {url}; its state is in {state.relative_to(PROJECT_ROOT)}/",
        f"  model:        {model_in_use(env)}",
        f"  memory page:  {url}/memories",
    ]
    if with_auth:
        lines.append("  a token:      export MEMORY_CHATBOT_TOKEN=$(make -s token USER_ID=<you>)")
        lines.append(f"  chat:         .venv/bin/python -m agent.client chat --url {url}")
    else:
        lines.append("  no auth:      any client acts as the user_id it names; keep this server to your machine")
        lines.append(f"  Studio:       https://smith.langchain.com/studio/?baseUrl={url}")
    lines.append(f"  the log:      {state.relative_to(PROJECT_ROOT)}/{LOG_NAME} (here: warnings and errors only)")
    lines.append("  Ctrl-C stops it.")
    return "\n".join(lines)


class _Relay:
    """The server's output: all of it to the log file; to the terminal, warnings and errors only (a traceback's
    lines with it; not a request refused with a 4xx), unless ``verbose``. Were the server to stop before it
    answers, the end of the log is shown (``tail``)."""

    def __init__(self, process: subprocess.Popen, log: Path, verbose: bool) -> None:
        self.process, self.log, self.verbose = process, log, verbose
        self.ready = threading.Event()

    def run(self) -> None:
        assert self.process.stdout is not None
        in_trace = False
        with self.log.open("a") as log:
            for line in self.process.stdout:
                log.write(_ANSI.sub("", line))
                log.flush()
                if any(hidden in line for hidden in _HIDDEN):
                    continue
                plain = _ANSI.sub("", line)
                in_trace = in_trace and (plain.startswith((" ", "\t")) or not plain.strip())
                if "Traceback" in plain:
                    in_trace = True
                worth = _WORTH_SHOWING.search(plain) and not _CALLERS_MISTAKE.search(plain)
                if self.verbose or in_trace or worth:
                    sys.stdout.write(line)
                    sys.stdout.flush()


def _wait_until_ready(url: str, process: subprocess.Popen, timeout: float = 300) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/ok", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a config with `langgraph dev`, ready for people.")
    parser.add_argument("--config", default="langgraph.json")
    parser.add_argument("--port", type=int, default=2024)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--jobs", type=int, default=JOBS_PER_WORKER, help="jobs per worker (chat and memory runs)")
    parser.add_argument("--verbose", action="store_true", help="show every line of the server's log here")
    args = parser.parse_args(argv)
    source = (PROJECT_ROOT / args.config).resolve()
    if not source.is_file():
        raise SystemExit(f"error: no config {args.config} (the project has langgraph.json and langgraph.local.json)")
    config, env = json.loads(source.read_text()), settings()
    if problem := missing_secret(config, env):
        raise SystemExit(problem)
    if port_taken(args.host, args.port):
        raise SystemExit(f"error: port {args.port} is in use by another program; choose another: make serve PORT=2025")
    state = STATE_DIR / source.stem
    state.mkdir(parents=True, exist_ok=True)
    env_file = PROJECT_ROOT / ".env"
    served = config_copy(state, str(env_file) if env_file.exists() else {}, source=source)
    command = [
        langgraph_cli(),
        *("dev", "--config", str(served), "--port", str(args.port), "--host", args.host),
        *("--n-jobs-per-worker", str(args.jobs), "--no-browser", "--no-reload"),
    ]
    process = subprocess.Popen(command, cwd=state, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    relay = _Relay(process, state / LOG_NAME, args.verbose)
    threading.Thread(target=relay.run, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        url = f"http://{args.host}:{args.port}"
        if _wait_until_ready(url, process):
            relay.ready.set()
            print(greeting(url, "auth" in config, env, state), flush=True)
        else:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            relay_log = (state / LOG_NAME).read_text().splitlines()[-30:]
            print("\n".join(["the server stopped before it answered; the end of its log:", *relay_log]), flush=True)
        process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait()
    raise SystemExit(process.returncode if process.returncode and process.returncode > 0 else 0)


if __name__ == "__main__":
    main()
