"""A real `langgraph dev` for end-to-end tests, isolated from the developer's .env and state."""

from __future__ import annotations

import contextlib
from pathlib import Path

from devtools.dev_server import JOBS_PER_WORKER, DevServer, config_copy


@contextlib.contextmanager
def dev_server(workdir: Path, env: dict[str, str], n_jobs_per_worker: int = JOBS_PER_WORKER):
    """Start `langgraph dev` on a free port serving a copy of langgraph.json whose env is ``env``."""
    workdir.mkdir(parents=True, exist_ok=True)
    server = DevServer(config_copy(workdir, env), workdir=workdir, env=env, n_jobs_per_worker=n_jobs_per_worker)
    with server:
        yield server
