"""The requirements of the graphs and the Postgres store for `.venv-pg`, read from pyproject.toml.

`langgraph-runtime-pg` pins its own langgraph-api (0.11.1) and langgraph-checkpoint-postgres (3.1.0), so the
project's pins of those are left out here. 3.1 matches store prefixes with an unescaped LIKE (user "a_ice"
matched "alice"): the server's store keeps to the exact namespace asked for whatever version serves
(`agent/stores/exact_prefix.py`).

    .venv-pg/bin/python -m devtools.pg_requirements > requirements.txt   # stdlib only: runs before installs
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
EXTRAS = ("embeddings", "local", "postgres")
LEFT_OUT = {"langgraph-api", "langgraph-checkpoint-postgres"}  # the runtime brings the versions it was built for


def requirements(extras: tuple[str, ...] = EXTRAS) -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    wanted = [*project["dependencies"], *(r for extra in extras for r in project["optional-dependencies"][extra])]
    return [r for r in wanted if re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower() not in LEFT_OUT]


if __name__ == "__main__":
    print("\n".join(requirements()))
