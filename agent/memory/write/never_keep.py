"""Never-keep rules: topics a user wants never remembered ("anything about my health"), matched by meaning.

A rule is an item of the ``never_keep`` kind (set on the page, the command line, the store API, or said in the
chat: ``requested``). Before a write extracts anything, the user's messages that match a rule are left out
with their replies (no fact, no episode); after it, each new fact that matches one is left out too (a message
about two things). Matching uses the store's embedder, never a model call: a rule is compared by its topic
and, when the topic is near one of ``TOPICS`` ("my medical stuff" is near health), by that topic's examples
as well, so a health rule also covers "my migraine pills". A text matches when its cosine similarity to one of
a rule's probes reaches ``THRESHOLD``. Cost: one embedding per user message and per new fact of a write, and a
rule's probes once per process (about 10 short texts); nothing when the user has no rule.
`bench/never_keep.py` measures it on `bench/data/never_keep.json`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.messages import BaseMessage
from langgraph.store.base import BaseStore

from agent.memory.kinds import NEVER_KEEP
from agent.memory.records.namespaces import memory_namespace
from agent.stores.embeddings import embed

THRESHOLD = 0.25
"""Leaving out a true fact costs less than keeping one the user asked never to be kept: the threshold sits low."""
NEAR_TOPIC, NEAREST_TOPIC = 0.45, 0.35

TOPICS: dict[str, tuple[str, ...]] = {
    "health, illness and medical treatment": (
        "a medical condition or illness",
        "medication, pills or treatment",
        "a doctor, hospital or therapist",
        "an injury, an allergy or a symptom",
        "mental health, anxiety or depression",
    ),
    "children and kids": ("the names of their children", "their son or daughter", "their kids' school and age"),
    "money and finances": ("their salary or income", "debt, loans or savings", "what they spend or can afford"),
    "religion and faith": (
        "their faith or religious beliefs",
        "going to church, mosque, synagogue or temple",
        "religious fasting and holidays",
    ),
    "ex-partners, dating and relationships": ("their partner, ex or dating life", "a breakup or divorce"),
    "work and employer": (
        "their job, employer or workplace",
        "their colleagues or boss",
        "the company they work for",
    ),
    "politics": ("their political views or party", "who they vote for", "their stance on political issues"),
    "body weight and diet": ("how much they weigh", "losing or gaining weight", "their diet"),
}
"""Topics people commonly keep private, each with examples of what falls under it."""

_FRAME = re.compile(r"^\s*(?:anything|everything|nothing|stuff|things)\s+(?:about|on|of|regarding)\s+", re.I)
_REQUEST = re.compile(
    r"\b(?:don'?t|do not|never|stop|please don'?t)\s+(?:ever\s+)?(?:remember|remembering|keep|keeping|store|save|"
    r"memori[sz]e)\s+(?P<topic>(?:(?:anything|everything|stuff|things)\s+)?(?:about|of|on|regarding)\s+[^.!?\n]+"
    r"|(?:my|our)\s+[^.!?\n]+)",
    re.I,
)
_TAIL = re.compile(r"[\s,;:]+(?:please|thanks|thank you|ok(?:ay)?)\s*$", re.I)


@dataclass(frozen=True)
class Rule:
    key: str
    topic: str


def topic_of(rule: str) -> str:
    """What a rule is about, its frame left out: 'anything about my health' -> 'my health'."""
    return _FRAME.sub("", rule).strip(" .!,;:") or rule.strip()


def requested(text: str) -> list[str]:
    """The topics a message asks never to be remembered ("don't remember anything about my health")."""
    return [
        topic for match in _REQUEST.finditer(text) if (topic := _TAIL.sub("", match.group("topic")).strip(" .!,;:"))
    ]


MAX_RULES = 50
"""Rules read per user: each costs an embedding of every message and fact of a write, so one user's thousands of
rules (put through the store API) cannot make every write of theirs, and the server, crawl."""
MAX_TOPIC_CHARS = 200


async def rules_of(store: BaseStore, user_id: str) -> list[Rule]:
    """The user's first ``MAX_RULES`` rules, each topic cut to ``MAX_TOPIC_CHARS``."""
    items = await store.asearch(memory_namespace(user_id, NEVER_KEEP.name), limit=MAX_RULES)
    return [
        Rule(item.key, topic[:MAX_TOPIC_CHARS])
        for item in items
        if isinstance(topic := item.value.get("content"), str) and topic.strip()
    ]


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


_topic_vectors: list[list[float]] = []
_probes: dict[str, list[list[float]]] = {}
MAX_CACHED_RULES = 1_024


async def _probes_of(topic: str) -> list[list[float]]:
    """The vectors a rule is matched by: its topic, and the near ``TOPICS`` with their examples."""
    if (cached := _probes.get(topic)) is not None:
        return cached
    labels = list(TOPICS)
    if not _topic_vectors:
        _topic_vectors.extend(await embed.aembed_documents(labels))
    own = await embed.aembed_query(topic)
    near = sorted(
        ((_dot(own, vector), label) for vector, label in zip(_topic_vectors, labels, strict=True)), reverse=True
    )
    chosen = [
        label
        for rank, (similarity, label) in enumerate(near[:2])
        if similarity >= NEAR_TOPIC or (rank == 0 and similarity >= NEAREST_TOPIC)
    ]
    texts = [text for label in chosen for text in (label, *TOPICS[label])]
    probes = [own, *(await embed.aembed_documents(texts) if texts else [])]
    if len(_probes) >= MAX_CACHED_RULES:
        _probes.pop(next(iter(_probes)))
    _probes[topic] = probes
    return probes


async def matching(rules: Sequence[Rule], texts: Sequence[str]) -> list[Rule | None]:
    """For each of ``texts``, the rule it falls under (the closest, if several), or None."""
    if not rules or not texts:
        return [None] * len(texts)
    probes = [(rule, await _probes_of(topic_of(rule.topic))) for rule in rules]
    vectors = await embed.aembed_documents(list(texts))
    found: list[Rule | None] = []
    for vector in vectors:
        best, rule = max(((max(_dot(vector, p) for p in ps), rule) for rule, ps in probes), key=lambda pair: pair[0])
        found.append(rule if best >= THRESHOLD else None)
    return found


async def left_out(rules: Sequence[Rule], messages: Sequence[BaseMessage]) -> dict[str, Rule]:
    """The user's messages (by id) that ask for a rule (``requested``; a rule with no key stands for the request)
    or fall under one: neither they nor their replies are kept."""
    said = [m for m in messages if m.type == "human" and m.text.strip()]
    out = {m.id or "": Rule("", asked[0]) for m in said if (asked := requested(m.text))}
    rest = [m for m in said if (m.id or "") not in out]
    found = await matching(rules, [m.text for m in rest])
    out.update((m.id or "", rule) for m, rule in zip(rest, found, strict=True) if rule is not None)
    return out
