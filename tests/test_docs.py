"""Docs that cannot rot: every file path, module, make target and command flag that README.md or docs/ names
exists, the README stays short, its SDK snippet runs as written against a real server, and its memory-kind
snippet declares a kind the writers can keep."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import types
from datetime import UTC, datetime
from pathlib import Path

import pytest
from langgraph.store.base import Item
from pydantic import BaseModel

from agent.memory.kinds import MemoryKind
from agent.memory.write import edits
from agent.memory.write.edits import edits_for
from agent.memory.write.writers import SchemaWriter, writer_for
from agent.server.tokens import mint
from devtools.dev_server import PROJECT_ROOT
from tests.conftest import AUTH_SECRET
from tests.readme_snippets import kind_snippet, profile_field

DOCS = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
_NOW = datetime(2026, 1, 1, tzinfo=UTC)
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")
_PATHLIKE = re.compile(r"^\.{0,2}/?[\w.-]+(?:/[\w.-]*)+$|^[\w.-]+\.(?:json|md|toml|example)$")  # bare: top-level files
_MODULE = re.compile(r"python -m ([A-Za-z_][\w.]*)")
_MAKE = re.compile(r"\bmake (?:-s )?([a-z][\w-]*)")
_FLAGGED = re.compile(r"python -m ([A-Za-z_][\w.]*)([^\n`|]*)")
_FLAG = re.compile(r"(?<![\w-])(--[a-z][\w-]*)")
NOT_OURS = (".venv", ".dev-state", ".langgraph_api", "..", "/", "http")  # made at run time, outside, routes


def _text(doc: Path) -> str:
    return doc.read_text()


def _code(doc: Path) -> str:
    """The document's code: its fenced blocks and inline code spans, one per line."""
    text = _text(doc)
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", text, re.M | re.S)
    return "\n".join(blocks + _CODE.findall(re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)))


def _named_paths(doc: Path) -> set[tuple[Path, str]]:
    """(base, path) for each repository path the document names in code or as a link."""
    found = set()
    for raw in _CODE.findall(_text(doc)):
        candidate = raw.split(":", 1)[0].strip()  # "agent/stores/index_embed.py:embed"
        if _PATHLIKE.match(candidate) and not candidate.startswith(NOT_OURS) and "<" not in raw:
            found.add((PROJECT_ROOT, candidate))
    for link in _LINK.findall(_text(doc)):
        if not link.startswith(("http", "#", "mailto:")):
            found.add((doc.parent, link))
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_path_named_exists(doc):
    missing = [
        f"{(base / path).relative_to(PROJECT_ROOT)}" for base, path in _named_paths(doc) if not (base / path).exists()
    ]
    assert not missing, f"{doc.name} names paths that do not exist: {missing}"


def _module_file(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return None
    if spec.submodule_search_locations:  # a package run with -m runs its __main__
        main = Path(spec.origin).with_name("__main__.py")
        return main if main.exists() else None
    return Path(spec.origin)


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_module_and_flag_named_exists(doc):
    problems = []
    for module, rest in _FLAGGED.findall(_code(doc)):
        if module.endswith("."):  # a placeholder: python -m bench.<name>
            continue
        source = _module_file(module)
        if source is None:
            problems.append(f"python -m {module}: no such module")
            continue
        code = source.read_text()
        problems += [
            f"python -m {module} {flag}: no such flag" for flag in _FLAG.findall(rest) if f'"{flag}"' not in code
        ]
    assert not problems, f"{doc.name}: {problems}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_make_target_named_exists(doc):
    targets = set(re.findall(r"^([a-z][\w-]*):", (PROJECT_ROOT / "Makefile").read_text(), re.M))
    missing = sorted(set(_MAKE.findall(_code(doc))) - targets)
    assert not missing, f"{doc.name} names make targets the Makefile lacks: {missing}"


def test_the_probes_find_what_is_missing(tmp_path):
    """The checks above can fail: a made-up path, module, flag and target are each caught."""
    doc = tmp_path / "made-up.md"
    doc.write_text("`agent/nothing_here.py` and [a link](nowhere.md)")
    assert all(not (base / path).exists() for base, path in _named_paths(doc))
    assert _module_file("agent.no_such_module") is None
    client_module = _module_file("agent.client")
    assert client_module is not None and '"--no-such-flag"' not in client_module.read_text()
    assert "no-such-target" not in re.findall(r"^([a-z][\w-]*):", (PROJECT_ROOT / "Makefile").read_text(), re.M)


def test_the_readme_is_short_and_shows_the_two_commands_first():
    readme = _text(PROJECT_ROOT / "README.md")
    assert len(readme.splitlines()) <= 250
    first_screen = readme[: readme.index("## Chat in four commands")]
    assert "make demo" in first_screen and "make test" in first_screen


def _sdk_snippet() -> str:
    readme = _text(PROJECT_ROOT / "README.md")
    section = readme[readme.index("## The SDK") :]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.mark.server
def test_the_readme_sdk_snippet_runs_as_written(server, user, tmp_path):
    example = tmp_path / "example.py"
    example.write_text(_sdk_snippet())
    env = {**os.environ, "LANGGRAPH_URL": server.url, "MEMORY_CHATBOT_TOKEN": mint(user, secret=AUTH_SECRET)}
    done = subprocess.run(
        [sys.executable, str(example)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Boston" in done.stdout, "the new thread knows what the first one taught"


def test_the_readme_memory_kind_snippet_declares_a_working_kind():
    parts = kind_snippet()
    assert set(parts) == {"agent/schemas.py", "agent/prompts.py", "agent/memory/kinds.py"}
    schemas: dict = {}
    exec("from pydantic import BaseModel, Field\n" + parts["agent/schemas.py"], schemas)
    prompts = types.SimpleNamespace()
    exec(parts["agent/prompts.py"], {}, vars(prompts))
    kind = eval(parts["agent/memory/kinds.py"], {"MemoryKind": MemoryKind, "prompts": prompts, **schemas})
    writer = writer_for(kind)
    assert isinstance(writer, SchemaWriter) and writer.schema is schemas["Project"] and writer.key is None
    assert edits_for(kind) is edits.ITEM and kind.shape == "items"
    value = schemas["Project"](name="Garden shed", status="roof on").model_dump()
    assert kind.render([Item(value=value, key="k", namespace=("memory",), created_at=_NOW, updated_at=_NOW)], 100)
    assert [field["name"] for field in kind.described()["fields"]] == ["name", "status"]


def test_a_document_kind_whose_field_has_no_default_is_refused_in_one_line():
    class Pets(BaseModel):
        pets: list[str]

    with pytest.raises(ValueError, match=r"field 'pets' of Pets needs a default.*default_factory=list"):
        MemoryKind(name="pets", schema=Pets, description="", render_value=str, instructions="", key="pets")
    MemoryKind(name="pets", schema=Pets, description="", render_value=str, instructions="")  # items: each whole


def test_the_readme_profile_field_is_one_a_profile_can_have():
    field = profile_field()
    namespace: dict = {}
    exec(
        f"from pydantic import Field\nfrom agent.schemas import UserProfile\n\nclass Pets(UserProfile):\n    {field}",
        namespace,
    )
    kind = MemoryKind(name="p", schema=namespace["Pets"], description="", render_value=str, instructions="", key="p")
    assert kind.schema().model_dump()["pets"] == []
