"""Every benchmark runs once at a tiny size, against the configs as shipped, so none can rot.

Smoke runs: the figures mean nothing and are not asserted; a benchmark that crashes, or prints
no figures, fails. LoCoMo-shaped benchmarks read tests/data/mini_locomo.json (a conversation
written for these tests in LoCoMo's format), so they run where ../shared/data is absent.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent.server.dev_server import PROJECT_ROOT

MINI_LOCOMO = str(PROJECT_ROOT / "tests" / "data" / "mini_locomo.json")

BENCHMARKS = {
    "latency": (["bench/latency.py", "--turns", "1", "--growth-turns", "2"], "extraction call"),
    "serving": (["bench/serving.py", "--turns", "1", "--latency", "0.2"], "first collection turn"),
    "scale": (["bench/scale.py", "--sizes", "10", "40"], "needles@10"),
    "scale-postgres": (["bench/scale.py", "--store", "postgres", "--tiny", "--explain", "--probes", "7"],
                       ("Index Scan", "probes   7, the question embedded beforehand: search_memories")),
    "locomo": (["bench/locomo.py", "--data", MINI_LOCOMO], "recall"),
    "local_model": (["bench/local_model.py", "--runs", "1"], "tokens per second"),
}


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_benchmark_runs_at_a_tiny_size(name):
    command, printed = BENCHMARKS[name]
    done = subprocess.run([sys.executable, *command], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    for marker in [printed] if isinstance(printed, str) else printed:
        assert marker in done.stdout, f"{name} printed no {marker!r}:\n{done.stdout[-3000:]}"
