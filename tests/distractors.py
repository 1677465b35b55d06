"""Same-topic distractor memories and a needle only a paraphrase asks about."""

from __future__ import annotations

import itertools

NEEDLE = "The user is allergic to peanuts."
QUESTION = "Which snacks could make me sick?"  # a paraphrase: no content word in common


def food_distractors(count: int) -> list[str]:
    people = ["sister", "brother", "neighbour", "colleague", "cousin"]
    dishes = ["lasagna", "ramen", "tacos", "curry", "paella", "risotto", "falafel", "dumplings"]
    verbs = ["cooked", "ordered", "recommended", "baked", "shared"]
    days = ["Monday", "Tuesday", "Friday", "Sunday"]
    rows = itertools.product(people, verbs, dishes, days)
    return [f"The user's {p} {v} {d} on {day}." for p, v, d, day in itertools.islice(rows, count)]
