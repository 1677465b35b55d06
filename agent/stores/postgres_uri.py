"""Where the server's Postgres store lives: its own URI if set, else the runtime's database.

`langgraph-runtime-pg` sets DATABASE_URI; `langgraph dev` sets DATABASE_URI to ':memory:' for itself, so a dev
server on the Postgres store needs STORE_DATABASE_URI.
"""

from __future__ import annotations

import os
import re

STORE_URI_ENVS = ("STORE_DATABASE_URI", "DATABASE_URI")


def store_uri() -> str:
    """The server's store database (``STORE_URI_ENVS``, the first set), as a libpq URI."""
    uri = next((os.environ[name] for name in STORE_URI_ENVS if os.environ.get(name, ":memory:") != ":memory:"), None)
    if not uri:
        raise RuntimeError(f"the Postgres store needs a database: set {' or '.join(STORE_URI_ENVS)}")
    return re.sub(r"^postgres(?:ql)?(?:\+\w+)?://", "postgresql://", uri)
