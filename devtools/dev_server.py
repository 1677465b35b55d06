"""`langgraph dev` on a free port for the demo, tests and benchmarks, serving a copy of a config.

`langgraph dev` runs one job at a time unless told otherwise (its --help says 10; it is 1), so a
user's next chat would wait in the queue behind their memory write. Every server started here gets
JOBS_PER_WORKER slots, as production has many. `make serve` is `devtools.serve`.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from devtools.processes import ServerProcess

PROJECT_ROOT = Path(__file__).resolve().parents[1]
JOBS_PER_WORKER = 10


def config_copy(workdir: Path, env: dict[str, str] | str, source: Path = PROJECT_ROOT / "langgraph.json") -> Path:
    """A copy of ``source`` in ``workdir`` with absolute paths and its own ``env`` (a mapping or a .env path).

    Serving the copy from ``workdir`` keeps the server's state (`.langgraph_api/`) there, apart from
    the developer's own `langgraph dev` state.
    """
    config = json.loads(source.read_text())

    def absolute(path: str) -> str:
        return str((source.parent / path).resolve()) if path.startswith(".") else path

    def absolute_requirement(dependency: str) -> str:  # ".[extra]" -> "/abs/path[extra]"
        path, bracket, extras = dependency.partition("[")
        return absolute(path) + bracket + extras if path.startswith(".") else dependency

    config["dependencies"] = [absolute_requirement(d) for d in config["dependencies"]]
    config["graphs"] = {name: absolute(ref) for name, ref in config["graphs"].items()}
    config["env"] = env if isinstance(env, dict) else absolute(env)
    index = config.get("store", {}).get("index", {})
    if isinstance(index.get("embed"), str):
        index["embed"] = absolute(index["embed"])
    for section, key in (("auth", "path"), ("http", "app"), ("store", "path")):
        if isinstance(config.get(section, {}).get(key), str):
            config[section][key] = absolute(config[section][key])
    path = Path(workdir) / "langgraph.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def langgraph_cli() -> str:
    beside_python = Path(sys.executable).with_name("langgraph")
    found = str(beside_python) if beside_python.exists() else shutil.which("langgraph")
    if not found:
        raise RuntimeError("the `langgraph` CLI is missing: pip install 'langgraph-cli[inmem]'")
    return found


class DevServer(ServerProcess):
    """`langgraph dev --no-browser --no-reload` as a context manager; ``url`` once started."""

    name = "langgraph dev"

    def __init__(
        self,
        config: Path = PROJECT_ROOT / "langgraph.json",
        *,
        workdir: Path | None = None,
        env: dict[str, str] | None = None,
        n_jobs_per_worker: int = JOBS_PER_WORKER,
        log_path: Path | None = None,
        startup_timeout: float = 180.0,
    ):
        self.config = Path(config)
        workdir = Path(workdir or self.config.parent)
        log_path = log_path or workdir / ".langgraph_api" / "dev-server.log"
        super().__init__(workdir=workdir, env=env, log_path=log_path, startup_timeout=startup_timeout)
        self.n_jobs_per_worker = n_jobs_per_worker

    def command(self) -> list[str]:
        command = [
            langgraph_cli(),
            "dev",
            "--config",
            str(self.config),
            "--port",
            str(self.port),
            "--host",
            "127.0.0.1",
            "--no-browser",
            "--no-reload",
        ]
        command += ["--n-jobs-per-worker", str(self.n_jobs_per_worker)]
        return command
