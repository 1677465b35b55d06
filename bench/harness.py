"""What the server benchmarks share: a scripted model, `langgraph dev` serving a config as shipped, tokens.

The scripted OpenAI-compatible model (devtools/scripted_openai.py) answers after a fixed latency, so the
figures isolate the deployment from any real model. Where the config turns auth on, a fresh secret
is set for the run and every client gets a token minted with it, as a real user would.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from langgraph_sdk.client import LangGraphClient

from agent.client.sdk import connect
from agent.models.registry import RETRIES_ENV
from agent.secret import SECRET_ENV
from agent.server.tokens import mint
from devtools.dev_server import (
    JOBS_PER_WORKER,
    PROJECT_ROOT,
    DevServer,
    config_copy,
)
from devtools.scripted_openai import ScriptedOpenAI


@dataclass
class Served:
    """A running server and its scripted model; ``client(user)`` signs in as ``user`` when auth is on."""

    server: DevServer
    endpoint: ScriptedOpenAI
    secret: str | None

    def client(self, user: str) -> LangGraphClient:
        return connect(self.server.url, mint(user, secret=self.secret) if self.secret else None)


@contextlib.contextmanager
def served(
    config: str = "langgraph.json",
    *,
    latency: float = 0.0,
    jobs: int = JOBS_PER_WORKER,
    env: dict[str, str] | None = None,
) -> Iterator[Served]:
    """Serve ``config`` (a file at the project's top) on a free port with a scripted model of ``latency`` s;
    ``env`` adds to the server's environment (a limit, say)."""
    source = PROJECT_ROOT / config
    with_auth = "auth" in json.loads(source.read_text())
    secret = secrets.token_urlsafe(32) if with_auth else None
    with ScriptedOpenAI(latency=latency) as endpoint, tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        settings = {"OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": "bench", RETRIES_ENV: "0", **(env or {})}
        if secret:
            settings[SECRET_ENV] = secret
        path = config_copy(Path(workdir), settings, source)
        with DevServer(path, workdir=Path(workdir), env=settings, n_jobs_per_worker=jobs) as server:
            yield Served(server, endpoint, secret)
