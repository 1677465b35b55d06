"""A real `langgraph dev` for end-to-end tests, isolated from the developer's .env and state."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from agent.dev_server import PROJECT_ROOT, DevServer


def isolated_config(workdir: Path, env: dict[str, str], source: Path = PROJECT_ROOT / "langgraph.json") -> Path:
    """A copy of the project's langgraph.json in ``workdir``: absolute paths, ``env`` inline instead of .env."""
    config = json.loads(source.read_text())

    def absolute(path: str) -> str:
        return str((source.parent / path).resolve()) if path.startswith(".") else path

    config["dependencies"] = [absolute(d) for d in config["dependencies"]]
    config["graphs"] = {name: absolute(ref) for name, ref in config["graphs"].items()}
    config["env"] = env
    path = workdir / "langgraph.json"
    path.write_text(json.dumps(config, indent=2))
    return path


@contextlib.contextmanager
def dev_server(workdir: Path, env: dict[str, str], n_jobs_per_worker: int | None = None):
    """Start `langgraph dev` on a free port with the project's graphs; yields the DevServer."""
    workdir.mkdir(parents=True, exist_ok=True)
    server = DevServer(isolated_config(workdir, env), workdir=workdir, env=env, n_jobs_per_worker=n_jobs_per_worker)
    with server:
        yield server
