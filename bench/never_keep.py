"""Never-keep rules, matched by meaning: how often a rule leaves out what it should and keeps what it should.

    .venv/bin/python -m bench.never_keep

Runs `agent.memory.write.never_keep.matching` (the store's embedder, all-MiniLM-L6-v2) on the cases of
`bench/data/never_keep.json`: ``cases`` tuned the matcher (its topic examples and threshold), ``held_out`` was
written after it was frozen and is the figure to quote. Printed per set: right, left out when it should have
been kept (too much), kept when it should have been left out (missed), and the milliseconds per text, side by
side with the threshold moved either way.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from agent.memory.write import never_keep

VERBOSE = "-v" in sys.argv
DATA = Path(__file__).parent / "data" / "never_keep.json"


async def score(cases: list[dict]) -> tuple[int, int, int, float]:
    right = too_much = missed = 0
    never_keep.embed.forget_queries()  # each text embedded as a write would: not from the cache
    started = time.perf_counter()
    for case in cases:
        [found] = await never_keep.matching([never_keep.Rule("r", case["rule"])], [case["text"]])
        out = found is not None
        right += out == case["left_out"]
        too_much += out and not case["left_out"]
        missed += case["left_out"] and not out
        if out != case["left_out"] and VERBOSE:
            print(f"  {'too much' if out else 'missed'}: {case['rule']!r} / {case['text']!r}")
    return right, too_much, missed, (time.perf_counter() - started) * 1000 / len(cases)


async def main() -> None:
    data = json.loads(DATA.read_text())
    await never_keep.matching([never_keep.Rule("warm", "my health")], ["warm up"])
    frozen = never_keep.THRESHOLD
    print(f"{'set':<10} {'threshold':>9} {'right':>8} {'too much':>9} {'missed':>7} {'ms/text':>8}")
    for name in ("cases", "held_out"):
        for threshold in (frozen - 0.05, frozen, frozen + 0.05):
            never_keep.THRESHOLD = threshold
            right, too_much, missed, ms = await score(data[name])
            mark = " <- frozen" if threshold == frozen else ""
            total = len(data[name])
            print(f"{name:<10} {threshold:>9.2f} {right:>4}/{total:<3} {too_much:>9} {missed:>7} {ms:>8.1f}{mark}")
    never_keep.THRESHOLD = frozen


if __name__ == "__main__":
    asyncio.run(main())
