"""Keeping the self-hosted stack tidy: one stack per data directory, nothing left running when its supervisor
dies, and a replica that dies started again.

- ``StackLock``: the supervisor holds an exclusive lock on ``<data dir>/stack.lock`` (released by the kernel if it
  dies), and records there its pid and its children's process groups. A second start on the same data directory
  is refused in one line; a start after a supervisor that died stops what it left behind first.
- ``watch``: a watchdog process of its own session, started beside the supervisor: when the supervisor is gone
  (SIGKILL, a closed terminal), it stops the process groups the lock file lists and the PostgreSQL cluster.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

LOCK_NAME = "stack.lock"


class StackRunning(SystemExit):
    """Another supervisor runs a stack on this data directory."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_groups(groups: list[int], grace: float = 15) -> list[int]:
    """SIGTERM each process group still there, then SIGKILL those left after ``grace`` seconds; those found."""
    found = []
    for group in groups:
        try:
            os.killpg(group, signal.SIGTERM)
            found.append(group)
        except (ProcessLookupError, PermissionError):
            continue
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(group_alive(g) for g in found):
        time.sleep(0.2)
    for group in found:
        if group_alive(group):
            os.killpg(group, signal.SIGKILL)
    return found


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


class StackLock:
    """The supervisor's hold on a data directory, and its record of what runs there."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / LOCK_NAME
        self._file: IO[str] | None = None

    def acquire(self) -> list[int]:
        """Hold the lock, or raise StackRunning naming the supervisor that holds it. Stops the process groups
        a dead supervisor left behind (what its watchdog did not); returns those it found."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            held = _record(handle.read())
            handle.close()
            pid = held.get("pid", "<pid>")
            raise StackRunning(
                f"error: a stack already runs on {self.path.parent} (supervisor pid {pid}, started "
                f"{held.get('started', '?')}): stop it first (Ctrl-C in its terminal, or kill {pid})"
            ) from None
        handle.seek(0)
        left = _record(handle.read()).get("groups", [])
        self._file = handle
        stopped = _stop_groups([g for g in left if isinstance(g, int)]) if left else []
        self.record([])
        return stopped

    def record(self, groups: list[int]) -> None:
        """Write the supervisor's pid and its children's process groups (for the watchdog and the next start)."""
        assert self._file is not None, "acquire the lock first"
        record = {"pid": os.getpid(), "started": datetime.now(UTC).isoformat(timespec="seconds"), "groups": groups}
        self._file.seek(0)
        self._file.truncate()
        self._file.write(json.dumps(record))
        self._file.flush()

    def release(self) -> None:
        if self._file is not None:
            self.record([])
            self._file.close()
            self._file = None


def _record(text: str) -> dict:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def start_watchdog(data_dir: Path, postgres_data: Path) -> subprocess.Popen:
    """The watchdog of this supervisor: a process of its own session, so a closed terminal does not take it."""
    command = [sys.executable, "-m", "devtools.pg_supervision", str(os.getpid()), str(data_dir), str(postgres_data)]
    return subprocess.Popen(command, start_new_session=True, stdin=subprocess.DEVNULL)


def watch(supervisor: int, data_dir: Path, postgres_data: Path) -> None:
    """Wait for ``supervisor`` to be gone; then stop what the lock file lists, and the PostgreSQL cluster."""
    while _alive(supervisor):
        time.sleep(1)
    lock = Path(data_dir) / LOCK_NAME
    groups = _record(lock.read_text()).get("groups", []) if lock.exists() else []
    _stop_groups([g for g in groups if isinstance(g, int)])
    from devtools.pg_cluster import PostgresCluster

    PostgresCluster(postgres_data, remove=False).stop()


if __name__ == "__main__":
    watch(int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
