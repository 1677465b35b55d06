"""The README's "Make it your own" snippets, read out of the README as a reader copies them."""

from __future__ import annotations

import re
import textwrap

from devtools.dev_server import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"


def _bullet(title: str, following: str) -> str:
    readme = README.read_text()
    return readme[readme.index(f"- **{title}**") : readme.index(f"- **{following}**")]


def kind_snippet() -> dict[str, str]:
    """The memory-kind snippet, dedented, by the file each part goes in."""
    readme = README.read_text()
    section = readme[readme.index("- **A memory kind**") :]
    code = textwrap.dedent(section.split("```python\n", 1)[1].split("```", 1)[0])
    parts = re.split(r"^# (agent/[\w/]+\.py)[^\n]*\n", code, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def profile_field() -> str:
    """The line the README says to add to `UserProfile`."""
    bullet = " ".join(_bullet("The profile's fields", "A prompt").split())
    return bullet.split("add `", 1)[1].split("`", 1)[0]
