"""House rules no linter checks: no module edits sys.path, and the list of memory kinds is written once."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path
from typing import TypeGuard

from agent import limits
from agent.memory.kinds import MEMORY_TYPES

ROOT = Path(__file__).resolve().parent.parent
PYTHON = [p for folder in ("agent", "bench", "devtools", "tests") for p in sorted((ROOT / folder).rglob("*.py"))]
JAVASCRIPT = sorted(p for p in (ROOT / "tests" / "js").rglob("*.js") if "node_modules" not in p.parts)


def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def test_no_module_edits_sys_path():
    """Benchmarks and tools run as modules (`python -m bench.scale`) from the checkout; nothing patches the path."""
    edits = []
    for path in PYTHON:
        for node in ast.walk(_parsed(path)):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "path"
                and isinstance(node.value, ast.Name)
                and node.value.id == "sys"
            ):
                edits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not edits, f"sys.path is touched at {', '.join(edits)}"


def _lists_every_kind(node: ast.AST) -> TypeGuard[ast.List | ast.Tuple | ast.Set | ast.Dict]:
    if isinstance(node, ast.Dict):
        elements = [key for key in node.keys if key is not None]
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        elements = list(node.elts)
    else:
        return False
    names = {e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return set(MEMORY_TYPES) <= names


def test_the_memory_kinds_are_listed_only_where_they_are_declared():
    """A new kind is one declaration in agent/memory/kinds.py; everything else reads MEMORY_TYPES."""
    declared = ROOT / "agent" / "memory" / "kinds.py"
    spelled = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in PYTHON
        if path != declared
        for node in ast.walk(_parsed(path))
        if _lists_every_kind(node)
    ]
    quoted = r"""\s*,\s*""".join(f"[\"']{name}[\"']" for name in MEMORY_TYPES)
    spelled += [str(p.relative_to(ROOT)) for p in JAVASCRIPT if re.search(quoted, p.read_text())]
    assert not spelled, f"the memory kinds are spelled out at {', '.join(spelled)}: read MEMORY_TYPES instead"


def test_the_probe_finds_a_spelled_out_list():
    """The check above can fail: a list of every kind is found, one of some kinds is not."""
    assert _lists_every_kind(ast.parse(repr(list(MEMORY_TYPES)), mode="eval").body)
    assert not _lists_every_kind(ast.parse(repr(list(MEMORY_TYPES[:-1])), mode="eval").body)
    assert _lists_every_kind(ast.parse(repr(dict.fromkeys(MEMORY_TYPES)), mode="eval").body)


def test_every_limit_is_documented_with_its_default_and_in_env_example():
    threat_model = (ROOT / "docs" / "threat-model.md").read_text()
    example = (ROOT / ".env.example").read_text()
    for limit in limits.ALL:
        row = next((line for line in threat_model.splitlines() if f"`{limit.env}`" in line), "")
        assert f"{limit.default:,}" in row, f"{limit.env} and its default {limit.default:,} are not in the table"
        assert f"# {limit.env}={limit.default}" in example, f"{limit.env} is not in .env.example"


def test_every_suppression_says_why():
    """Every noqa or type-ignore comment gives its reason, after it on the same line."""
    bare = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in PYTHON
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"#\s*(noqa|type:\s*ignore)\b[^#]*$", line)
    ]
    assert not bare, f"suppressions without a reason: {', '.join(bare)}"


def test_the_commit_msg_hook_refuses_a_long_subject(tmp_path):
    hook = ROOT / "devtools" / "hooks" / "commit-msg"
    message = tmp_path / "message"
    message.write_text("x" * 73 + "\n\nbody\n")
    assert subprocess.run([str(hook), str(message)], capture_output=True).returncode == 1
    message.write_text("A subject that fits\n\nbody\n")
    assert subprocess.run([str(hook), str(message)], capture_output=True).returncode == 0


def test_the_docs_store_table_shows_every_namespace_the_layout_builds():
    from agent.stores.layout import LAYOUT

    table = (ROOT / "docs" / "architecture.md").read_text().split("## Store layout", 1)[1].split("\n## ", 1)[0]

    def shown(namespace: tuple[str, ...]) -> str:
        return "(" + ", ".join(part if part.startswith("<") else f'"{part}"' for part in namespace) + ")"

    def rows_of(namespace: tuple[str, ...]) -> list[str]:
        if namespace[-1] == "<memory type>" and len(namespace) == 3:  # one row per memory type
            return [shown((*namespace[:-1], kind)) for kind in MEMORY_TYPES]
        return [shown(namespace)]

    missing = [what for what, namespace in LAYOUT if any(f"`{row}`" not in table for row in rows_of(namespace))]
    assert not missing, f"docs/architecture.md's store table misses: {', '.join(missing)}"
    rows = re.findall(r"`\((\"[a-z]+\"[^`]*)\)`", table)
    built = {shown(n)[1:-1] for _, n in LAYOUT} | {f'"memory", <user_id>, "{kind}"' for kind in MEMORY_TYPES}
    assert set(rows) <= built, f"the table shows namespaces the layout does not build: {set(rows) - built}"
