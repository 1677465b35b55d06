"""The server on Postgres + Redis with several replicas, on the open runtime `langgraph-runtime-pg`.

Each replica is a `langhost serve` process (stock langgraph-api on `langgraph-runtime-pg`) serving
`langgraph.pg.json` on a port of its own; all share one PostgreSQL (checkpoints, runs, threads, the store
with its pgvector index) and one Redis (run wake-ups, heartbeats, streams). The runtime pins an older
langgraph-api, so it lives in a virtualenv of its own (`.venv-pg`, built by `make serve-pg`).

    .venv-pg/bin/python -m devtools.pg_stack [--replicas 2] [--data-dir .pg-stack]   # make serve-pg
"""

from __future__ import annotations

import argparse
import signal
import socket
import threading
from pathlib import Path

from devtools.dev_server import PROJECT_ROOT, config_copy
from devtools.pg_cluster import PostgresCluster
from devtools.pg_supervision import StackLock, start_watchdog
from devtools.processes import ServerProcess

PG_CONFIG = PROJECT_ROOT / "langgraph.pg.json"
PG_VENV = PROJECT_ROOT / ".venv-pg"
JOBS_PER_REPLICA = 10


class RedisServer(ServerProcess):
    """Debian's `redis-server` on 127.0.0.1, nothing persisted (the runtime keeps no durable state in Redis)."""

    name = "redis-server"

    @property
    def uri(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
        ]

    def ready(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class Replica(ServerProcess):
    """One `langhost serve` process of ``config``, ``JOBS_PER_REPLICA`` background jobs at a time."""

    def __init__(self, config: Path, index: int, **kwargs):
        self.name = f"replica-{index}"
        super().__init__(**kwargs)
        self.config = config

    def command(self) -> list[str]:
        return [
            str(PG_VENV / "bin" / "langhost"),
            "serve",
            "--config",
            str(self.config),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n-jobs-per-worker",
            str(JOBS_PER_REPLICA),
            "--no-browser",
        ]


class PgStack:
    """PostgreSQL, Redis and ``replicas`` servers; their data and logs under ``workdir``.

    ``env`` reaches the graphs (model endpoint, keys); ``heartbeat_seconds`` sets how soon a run of a dead
    replica is handed to another (`LG_BG_JOB_HEARTBEAT`: a run is reclaimed ~2x after its last heartbeat).
    """

    def __init__(
        self,
        workdir: Path,
        env: dict[str, str] | str,
        replicas: int = 2,
        heartbeat_seconds: int = 10,
        postgres_settings: dict[str, str] | None = None,
    ):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.postgres = PostgresCluster(self.workdir / "postgres" / "data", settings=postgres_settings, remove=False)
        self.redis = RedisServer(workdir=self.workdir)
        self.config = config_copy(self.workdir, env, source=PG_CONFIG)
        self.replica_count = replicas
        self.heartbeat_seconds = heartbeat_seconds
        self.replicas: list[Replica] = []

    def start(self) -> PgStack:
        """Start (or restart) Postgres, Redis and every replica, one after the other."""
        self.postgres.start()
        self.redis.start()
        env = {
            "DATABASE_URI": self.postgres.uri,
            "REDIS_URI": self.redis.uri,
            "LG_BG_JOB_HEARTBEAT": str(self.heartbeat_seconds),
        }
        ports: list[int | None] = [replica.port for replica in self.replicas] or [None] * self.replica_count
        self.replicas = [
            Replica(self.config, i, workdir=self.workdir, env=env, port=port) for i, port in enumerate(ports)
        ]
        for replica in self.replicas:
            replica.start()
        return self

    @property
    def urls(self) -> list[str]:
        return [replica.url for replica in self.replicas]

    @property
    def groups(self) -> list[int]:
        """The process groups of Redis and the replicas (each started in a session of its own)."""
        return [p for p in (self.redis.pid, *(replica.pid for replica in self.replicas)) if p is not None]

    def restart_dead_replicas(self) -> list[str]:
        """Start again, on its own port, each replica that is no longer running; their names."""
        restarted = []
        for replica in self.replicas:
            if not replica.running():
                replica.start()
                restarted.append(replica.name)
        return restarted

    def stop(self) -> None:
        """Stop the replicas, Redis and Postgres (its data stays in ``workdir``)."""
        for replica in self.replicas:
            replica.stop()
        self.redis.stop()
        self.postgres.stop()

    def __enter__(self) -> PgStack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=PROJECT_ROOT / ".pg-stack")
    parser.add_argument("--heartbeat", type=int, default=10, help="seconds (LG_BG_JOB_HEARTBEAT)")
    args = parser.parse_args()
    lock = StackLock(args.data_dir)
    if left := lock.acquire():  # StackRunning (one line) when another supervisor runs on this directory
        print(f"stopped {len(left)} process group(s) a stack that died had left running", flush=True)
    env_file = PROJECT_ROOT / ".env"
    stack = PgStack(args.data_dir, str(env_file) if env_file.exists() else {}, args.replicas, args.heartbeat)
    watchdog = start_watchdog(args.data_dir, stack.postgres.datadir)
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGHUP):  # a closed terminal stops the stack like Ctrl-C
        signal.signal(sig, lambda *_: stopped.set())
    try:
        with stack:
            lock.record(stack.groups)
            _greet(stack, args.data_dir)
            while not stopped.wait(2):
                for name in stack.restart_dead_replicas():
                    lock.record(stack.groups)
                    print(f"{name} had stopped; started it again on the same port", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        lock.release()
        watchdog.terminate()


def _greet(stack: PgStack, data_dir: Path) -> None:
    print(f"PostgreSQL: {stack.postgres.uri}\nRedis: {stack.redis.uri}", flush=True)
    for replica in stack.replicas:
        print(f"{replica.name}: {replica.url} (log: {replica.log_path})", flush=True)
    print(
        "No sign-in here: the replicas' runtime cannot run this project's auth, so any caller may act as any\n"
        "user. Keep them on a private network or behind a gateway that signs users in (docs/postgres.md).",
        flush=True,
    )
    print("A replica that stops is started again. Ctrl-C stops everything; the data stays in", data_dir, flush=True)


if __name__ == "__main__":
    main()
