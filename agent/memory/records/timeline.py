"""When a memory was recorded: stamped on every collection write, and read back by retrieval.

Each collection item a write stores carries ``recorded_at``, the ISO 8601 UTC time of the write that
stored it (the memory writer stamps the time it runs; an import of old conversations passes their
time). Retrieval reads it twice:
- items stored by one write came from one conversation, so a relevant item lifts the others of its
  write (``batch_of``);
- a date the query names ("on 9 October, 2022", "in May 2023", "2023-05-08") favours the items
  recorded within that period or a few days after it, when it was talked about (``recorded_within``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from langgraph.store.base import Item

RECORDED_AT = "recorded_at"
DAYS_BEFORE = 1  # a query's day may be the evening before the conversation's UTC date
DAYS_AFTER = 3  # people talk about what they did a few days ago

_MONTHS = "january february march april may june july august september october november december".split()
_MONTH = r"(" + "|".join(_MONTHS) + r")"
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(\d{4})\b", re.I)
_MONTH_DAY_YEAR = re.compile(r"\b" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I)
_MONTH_YEAR = re.compile(r"\b" + _MONTH + r",?\s+(\d{4})\b", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def stamp(value: dict, recorded_at: datetime | None = None) -> dict:
    """``value`` with ``recorded_at`` set to ``recorded_at`` (default: now), as ISO 8601 in UTC."""
    when = recorded_at or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return {**value, RECORDED_AT: when.astimezone(UTC).isoformat(timespec="seconds")}


def unstamped(value: dict) -> dict:
    """``value`` without its ``recorded_at`` (to tell whether a write changes anything)."""
    return {k: v for k, v in value.items() if k != RECORDED_AT}


def batch_of(item: Item) -> str | None:
    """The write an item came from (its ``recorded_at``), or None for items stored without one."""
    value = item.value.get(RECORDED_AT)
    return value if isinstance(value, str) and value else None


def recorded_date(item: Item) -> date | None:
    """The UTC date the item was recorded, if it carries a valid ``recorded_at``."""
    batch = batch_of(item)
    try:
        return datetime.fromisoformat(batch).date() if batch else None
    except ValueError:
        return None


def _day(year: str, month: str | int, day: str) -> date | None:
    month_number = month if isinstance(month, int) else _MONTHS.index(month.lower()) + 1
    try:
        return date(int(year), month_number, int(day))
    except ValueError:
        return None


_RELATIVE = re.compile(
    r"\b(today|yesterday|this week|last week|this month|last month|(\d{1,2}|a|one|two|three) (day|week)s? ago)\b", re.I
)
_MONTH_ALONE = re.compile(r"\bin " + _MONTH + r"\b(?!,?\s+\d)", re.I)
_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3}


def _month_span(first: date) -> tuple[date, date]:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def relative_periods(text: str, today: date) -> list[tuple[date, date]]:
    """The periods ``text`` names relative to ``today``: today, yesterday, this or last week or month, N days or
    weeks ago, and a month named without a year ("in March": the last March up to today)."""
    found: list[tuple[date, date]] = []
    for match in _RELATIVE.finditer(text):
        phrase = match[1].lower()
        if phrase == "today":
            found.append((today, today))
        elif phrase == "yesterday":
            found.append((today - timedelta(days=1),) * 2)
        elif phrase == "this week":
            found.append((today - timedelta(days=today.weekday()), today))
        elif phrase == "last week":
            start = today - timedelta(days=today.weekday() + 7)
            found.append((start, start + timedelta(days=6)))
        elif phrase == "this month":
            found.append((today.replace(day=1), today))
        elif phrase == "last month":
            found.append(_month_span((today.replace(day=1) - timedelta(days=1)).replace(day=1)))
        else:
            count = int(match[2]) if match[2].isdigit() else _COUNTS[match[2].lower()]
            days = count * (7 if match[3].lower() == "week" else 1)
            found.append((today - timedelta(days=days + 1), today - timedelta(days=max(days - 1, 0))))
    for match in _MONTH_ALONE.finditer(text):
        month = _MONTHS.index(match[1].lower()) + 1
        year = today.year if month <= today.month else today.year - 1
        found.append(_month_span(date(year, month, 1)))
    return found


def periods(text: str, today: date | None = None) -> list[tuple[date, date]]:
    """The calendar days and months ``text`` names, as (first day, last day) ranges: dates, months of a year,
    and periods relative to ``today`` (default: today, UTC)."""
    found = relative_periods(text, today or datetime.now(UTC).date())
    for pattern, fields in (
        (_DAY_MONTH_YEAR, lambda m: (m[3], m[2], m[1])),
        (_MONTH_DAY_YEAR, lambda m: (m[3], m[1], m[2])),
        (_ISO_DATE, lambda m: (m[1], int(m[2]), m[3])),
    ):
        for match in pattern.finditer(text):
            day = _day(*fields(match))
            if day:
                found.append((day, day))
        text = pattern.sub(" ", text)  # "9 October, 2022" is a day, not also the month October 2022
    for match in _MONTH_YEAR.finditer(text):
        first = _day(match[2], match[1], "1")
        if first:
            found.append(_month_span(first))
    return found


def recorded_within(query: str, items: Sequence[Item]) -> list[float]:
    """1.0 for each item recorded in a period ``query`` names (or a few days after), else 0.0."""
    named = periods(query)
    if not named:
        return [0.0] * len(items)
    windows = [(first - timedelta(days=DAYS_BEFORE), last + timedelta(days=DAYS_AFTER)) for first, last in named]
    days = [recorded_date(item) for item in items]
    return [float(day is not None and any(a <= day <= b for a, b in windows)) for day in days]
