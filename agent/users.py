"""User ids: one alphabet everywhere (tokens, the graphs, the store namespaces, the memory page).

ASCII letters and digits, then also '_' and '-', 1 to 64 characters. It leaves out what the Store treats
specially ('.' joins namespace labels, '*' is a wildcard) and anything invisible or markup-like.
"""

from __future__ import annotations

import re

USER_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
USER_ID_RULE = "1-64 characters: ASCII letters, digits, '_' and '-', starting with a letter or digit"


def check_user_id(user_id: object) -> str:
    """Return ``user_id`` if it is in the safe alphabet (USER_ID_RULE), else raise ValueError."""
    if not isinstance(user_id, str) or not USER_ID_PATTERN.fullmatch(user_id):
        shown = repr(user_id[:40]) if isinstance(user_id, str) else type(user_id).__name__
        raise ValueError(f"user_id must be {USER_ID_RULE} (got {shown})")
    return user_id
