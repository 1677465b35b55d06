"""Every benchmark runs once at a tiny size, against the configs as shipped, so none can rot.

Smoke runs: the figures mean nothing and are not asserted; a benchmark that crashes, or prints
no figures, fails. LoCoMo-shaped benchmarks read tests/data/mini_locomo.json (a conversation
written for these tests in LoCoMo's format), so they run where ../shared/data is absent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from devtools.dev_server import PROJECT_ROOT

MINI_LOCOMO = str(PROJECT_ROOT / "tests" / "data" / "mini_locomo.json")

BENCHMARKS = {
    "latency": (["-m", "bench.latency", "--turns", "1", "--growth-turns", "2"], "extraction call"),
    "serving": (
        [
            *["-m", "bench.serving", "--turns", "1", "--latency", "0.2", "--flood", "6", "--flood-latency", "0.3"],
            *["--store-flood-seconds", "0"],
        ],
        ("first collection turn", "flooded p50"),
    ),
    "scale": (["-m", "bench.scale", "--sizes", "10", "40"], "needles@10"),
    "scale-postgres": (
        ["-m", "bench.scale", "--store", "postgres", "--tiny", "--explain", "--probes", "7"],
        ("Index Scan", "probes   7, the question embedded beforehand: search_memories"),
    ),
    "locomo": (["-m", "bench.locomo", "--data", MINI_LOCOMO], "recall"),
    "local_model": (
        ["-m", "bench.local_model", "--runs", "1", "--conversations", "1"],
        ("tokens per second", "invented, used", "grounded (now)"),
    ),
    "grounding": (["-m", "bench.grounding", "--kinds", "profile"], ("true facts kept", "verifier confirms all")),
    "never_keep": (["-m", "bench.never_keep"], ("held_out", "<- frozen")),
    "abuse_memory": (["-m", "bench.abuse_memory", "--tiny"], ("peak growth", "state update")),
}


TIERS = {"latency": "server", "serving": "server", "scale-postgres": "postgres", "abuse_memory": "server"}


@pytest.mark.parametrize(
    "name",
    [pytest.param(name, marks=[getattr(pytest.mark, TIERS[name])] if name in TIERS else []) for name in BENCHMARKS],
)
def test_benchmark_runs_at_a_tiny_size(name):
    command, printed = BENCHMARKS[name]
    done = subprocess.run([sys.executable, *command], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    for marker in [printed] if isinstance(printed, str) else printed:
        assert marker in done.stdout, f"{name} printed no {marker!r}:\n{done.stdout[-3000:]}"


@pytest.mark.postgres
def test_a_benchmark_told_to_stop_stops_the_cluster_it_started(tmp_path):
    """SIGTERM (a CI timeout, `kill`) cancels the run: its Postgres stops and its scratch files go."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    benchmark = subprocess.Popen(
        [sys.executable, "-m", "bench.scale", "--store", "postgres", "--tiny"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert benchmark.stdout is not None  # stdout=PIPE
    stdout = benchmark.stdout
    deadline = threading.Timer(600, benchmark.kill)  # a hung benchmark fails the test instead of hanging it
    deadline.start()
    try:
        for line in stdout:
            if line.startswith("loaded"):  # the cluster runs and holds the other users' memories
                break
        clusters = [p for p in scratch.iterdir() if p.name.startswith("memory-chatbot-pg-")]
        assert clusters and _postgres_serving(clusters[0]), "the benchmark's cluster did not start"
        benchmark.send_signal(signal.SIGTERM)
        assert benchmark.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        deadline.cancel()
        benchmark.kill()
        stdout.close()
    assert not _postgres_serving(clusters[0]), "the cluster outlived the benchmark"
    assert not clusters[0].exists(), "the cluster's files were left behind"


def _postgres_serving(datadir) -> bool:
    found = subprocess.run(["pgrep", "-f", f"postgres -D {datadir}"], capture_output=True)
    return found.returncode == 0
