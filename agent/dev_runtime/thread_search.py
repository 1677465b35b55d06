"""Let `langgraph dev` search and count threads by state values when some thread has none yet.

langgraph-runtime-inmem 0.36.7 compares a ``values`` filter with each thread's values, and a thread that
never ran holds None there: the comparison raises, and ``POST /threads/search`` or ``/threads/count``
answers 500 to any caller who owns such a thread. Values of None contain nothing; ``tolerate_no_values``
says so to the runtime. It only touches the runtime's module attributes; on any other runtime it does
nothing.
"""

from __future__ import annotations

from typing import Any


def tolerate_no_values() -> bool:
    """Install the above in the running `langgraph dev`; False where there is no such runtime."""
    try:
        from langgraph_runtime_inmem import ops
    except ImportError:
        return False
    contained = getattr(ops, "is_jsonb_contained", None)
    if not callable(contained) or getattr(contained, "__module__", None) == __name__:
        return False  # another runtime, or installed already

    def is_jsonb_contained(superset: Any, subset: Any) -> bool:
        return contained(superset if superset is not None else {}, subset)

    ops.is_jsonb_contained = is_jsonb_contained
    return True
