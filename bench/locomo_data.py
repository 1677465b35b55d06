"""LoCoMo (../shared/data/locomo10.json) as the benchmarks read it: sessions with their dates, questions by category.

The data set stays outside the repository; see ../shared/data/README.md for its origin and licence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "locomo10.json"
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}  # 5 (adversarial) is left out

_SESSION_TIME = re.compile(r"(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+(\w+),?\s+(\d{4})", re.I)


@dataclass(frozen=True)
class Session:
    number: int
    date_text: str  # as the data set writes it: "1:56 pm on 8 May, 2023"
    turns: list[dict]  # {"speaker", "dia_id", "text", ...}

    @property
    def when(self) -> datetime:
        """The session's date and time (naive; the data set names no time zone)."""
        found = _SESSION_TIME.search(self.date_text)
        if found is None:
            raise ValueError(f"unreadable session time {self.date_text!r}")
        hour, minute, half, day, month, year = found.groups()
        hour = int(hour) % 12 + (12 if half.lower() == "pm" else 0)
        return datetime.strptime(f"{day} {month} {year} {hour}:{minute}", "%d %B %Y %H:%M")

    @property
    def day(self) -> str:
        """The session's date as people write it: "8 May 2023"."""
        return f"{self.when.day} {self.when:%B %Y}"


def load(path: Path = DEFAULT_DATA) -> list[dict]:
    """The conversations of the data set."""
    if not path.exists():
        raise SystemExit(f"LoCoMo data not found at {path} (see ../shared/data/README.md)")
    return json.loads(path.read_text())


def sessions(conversation: dict) -> list[Session]:
    """A conversation's sessions in order."""
    talk = conversation["conversation"]
    numbers = sorted(int(m[1]) for key in talk if (m := re.fullmatch(r"session_(\d+)", key)))
    return [Session(n, talk[f"session_{n}_date_time"], talk[f"session_{n}"]) for n in numbers if talk[f"session_{n}"]]


def questions(conversation: dict) -> list[dict]:
    """The conversation's questions of categories 1-4, in the data set's order."""
    return [qa for qa in conversation["qa"] if qa.get("category") in CATEGORIES and "answer" in qa]
