"""Writing a turn to memory: extract, ground every fact in the user's words, verify once, then save or hold.

``remember_turn`` is the graphs' one call. The exchanges are kept as episodes first; then, holding the user's
write lock of each kind it writes (the memory type, and the instructions when the user gave feedback):

1. **extract**: the kind's writer proposes new values, quoting the user's words for each fact it adds or
   changes; a long conversation is read in windows, each seeing what the earlier ones proposed;
2. **ground**: each new fact's quotes are looked up in the user's messages (`agent.memory.write.grounding`) and read
   for misreadings (`agent.memory.write.misreadings`). No quote found, or a misreading shown, holds the fact for
   the user's review;
3. **losses**: a stored fact the proposal drops stays unless reworded, corrected by a new fact on its subject,
   or taken back in words carrying a change cue (`agent.memory.write.guards`);
4. **verify**: one model call for the whole turn (`agent.memory.write.verification`): every new fact left, every
   take-back;
5. **settle**: confirmed facts are saved, their quotes recorded in the memory's history (where the words are:
   episodes and spans); doubted or unverified facts are held for review (`agent.memory.write.review`); a take-back or
   a correction not confirmed leaves the old fact where it was.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage
from langgraph.store.base import BaseStore, Item

from agent import limits, prompts
from agent.memory import health, procedural
from agent.memory.api import recall, save
from agent.memory.kinds import INSTRUCTIONS, NEVER_KEEP, MemoryKind, memory_kind
from agent.memory.records import changes, episodes
from agent.memory.records.facts import Fact
from agent.memory.records.history import Write
from agent.memory.records.marks import kept
from agent.memory.records.timeline import unstamped
from agent.memory.write import never_keep, review
from agent.memory.write.edits import edits_for
from agent.memory.write.grounding import Evidence, Said, locate, normalised, said_in, tokens
from agent.memory.write.guards import Loss, losses, own_words, without_restatements
from agent.memory.write.misreadings import misread
from agent.memory.write.never_keep import Rule
from agent.memory.write.notices import described_changes
from agent.memory.write.verification import Claim, Verification, verify
from agent.memory.write.writers import ExtractionFailed, writer_for
from agent.schemas import Quote
from agent.words import terms

NO_QUOTE = "no words of yours came with it"
NOT_YOUR_WORDS = "the words it quoted are not yours"


def transcript(messages: Sequence[AnyMessage]) -> str:
    """The conversation as 'user: …' / 'assistant: …' lines, for the memory writers."""
    roles = {"human": "user", "ai": "assistant"}
    lines = [f"{roles[m.type]}: {m.text.strip()}" for m in messages if m.type in roles and m.text.strip()]
    return prompts.CONVERSATION.format(transcript="\n".join(lines))


def windows(messages: Sequence[AnyMessage], budget: int) -> list[list[AnyMessage]]:
    """``messages`` in consecutive groups of at most ``budget`` characters of text (a longer message alone)."""
    groups: list[list[AnyMessage]] = []
    used = budget + 1
    for message in messages:
        size = len(message.text)
        if used + size > budget:
            groups.append([])
            used = 0
        groups[-1].append(message)
        used += size
    return groups


@dataclass
class Outcome:
    """What one memory write did: what it saved, kept, held for review; and what it cost."""

    writes: list[Write] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    """Stored facts the model's write would have dropped, kept."""
    held: list[str] = field(default_factory=list)
    """New facts held for the user's review, each with why."""
    left_out: dict[str, int] = field(default_factory=dict)
    """Facts a never-keep rule left out, by the rule's topic."""
    notices: list[dict] = field(default_factory=list)
    """What changed, in words (`agent.memory.records.changes`)."""
    model_calls: int = 0

    def note(self) -> str:
        """One line for a run's state and a person: what was saved, kept and held."""
        parts = [f"saved {_many(len(self.writes), 'change')}" if self.writes else "nothing new to keep"]
        if self.repaired:
            parts.append(f"kept {_many(len(self.repaired), 'fact')} the model dropped ({'; '.join(self.repaired)})")
        if self.held:
            parts.append(f"held {len(self.held)} for your review ({'; '.join(self.held)})")
        if self.left_out:
            parts.append(f"left out {_many(sum(self.left_out.values()), 'fact')} you asked never to be kept")
        return ", ".join(parts)


def _many(count: int, thing: str) -> str:
    return f"{count} {thing}{'' if count == 1 else 's'}"


@dataclass
class _Draft:
    """One kind's proposal for the turn, checked but not yet verified."""

    kind: MemoryKind
    read: dict[str, dict]
    known: dict[str, dict]
    writes: list[Write]
    new: dict[str, list[Fact]] = field(default_factory=dict)
    evidence: dict[tuple[str, str], list[Evidence]] = field(default_factory=dict)
    held: dict[tuple[str, str], str] = field(default_factory=dict)
    """(key, fact) -> why it is held, for the new facts the quote checks stopped."""
    losses: list[Loss] = field(default_factory=list)
    claims: dict[tuple[str, str, str], int] = field(default_factory=dict)
    """("new" or "gone", key, fact) -> the claim's number in the turn's verification."""
    left_out: dict[str, list[tuple[Fact, Rule]]] = field(default_factory=dict)
    """key -> the new facts a never-keep rule left out, each with its rule."""
    model_calls: int = 0


async def remember_turn(
    store: BaseStore,
    model: BaseChatModel,
    user_id: str,
    memory_type: str,
    messages: Sequence[AnyMessage],
    k: int,
    provenance: dict,
    lock: Callable[[str], AbstractAsyncContextManager[Any]],
) -> str:
    """What one turn's messages teach: the exchanges themselves, kept as episodes (``agent.memory.records.episodes``);
    facts for ``memory_type`` and, when the user gave feedback about how the bot answers
    (``procedural.gives_instructions``), instructions, written holding ``lock(kind)`` of each and recording the
    episodes they were drawn from; a note of what was done."""
    chat_thread_id = provenance.get("chat_thread_id")
    messages = kept(messages)  # said in a temporary chat, or while memory was off: never written
    rules, asked, out = await _never_keep(store, user_id, messages, provenance)
    messages = _without_exchanges(messages, set(out))
    said = await episodes.record(store, user_id, messages, chat_thread_id)
    provenance = {**provenance, "episodes": said or None}
    kinds = [memory_type, *([INSTRUCTIONS.name] if procedural.gives_instructions(messages) else [])]
    async with AsyncExitStack() as locks:
        for name in kinds:  # always the memory type first, then the instructions: no two writers cross
            await locks.enter_async_context(lock(name))
        outcomes = (
            await write_turn(store, model, user_id, kinds, messages, k, provenance, chat_thread_id, rules=rules)
            if any(m.type == "human" for m in messages)
            else [Outcome() for _ in kinds]
        )
        left_out: dict[str, int] = {}
        for rule in out.values():
            if rule.key:  # not the message that asked for a rule
                left_out[rule.topic] = left_out.get(rule.topic, 0) + 1
        for outcome in outcomes:
            for topic, n in outcome.left_out.items():
                left_out[topic] = left_out.get(topic, 0) + n
        notices = [changes.change("rule", NEVER_KEEP.name, None, topic) for topic in asked]
        notices += [changes.change("left_out", memory_type, None, topic) for topic in left_out]
        await changes.note(store, user_id, chat_thread_id, notices + [n for o in outcomes for n in o.notices])
        await health.count_left_out(store, user_id, left_out)
    notes = [outcomes[0].note(), *(f"instructions: {o.note()}" for o in outcomes[1:])]
    if covered := sum(1 for rule in out.values() if rule.key):
        notes.append(f"left out {_many(covered, 'message')} you asked never to be kept")
    return "; ".join(notes)


async def _never_keep(
    store: BaseStore, user_id: str, messages: Sequence[AnyMessage], provenance: dict
) -> tuple[list[Rule], list[str], dict[str, Rule]]:
    """The user's never-keep rules, with those their messages ask for added; the topics asked for; and the user's
    messages (by id) a rule leaves out (those asking for a rule too)."""
    rules = await never_keep.rules_of(store, user_id)
    asked = [topic for m in messages if m.type == "human" for topic in never_keep.requested(m.text)]
    known = {rule.topic.casefold() for rule in rules}
    asked = [topic for topic in dict.fromkeys(asked) if topic.casefold() not in known]
    if asked:
        writes = [(str(uuid.uuid4()), {"content": topic}) for topic in asked]
        await save(store, user_id, NEVER_KEEP.name, writes, provenance={**provenance, "source": "chat"})
        rules += [Rule(key, value["content"]) for key, value in writes]
    return rules, asked, await never_keep.left_out(rules, messages)


def _without_exchanges(messages: Sequence[AnyMessage], out: set[str]) -> list[AnyMessage]:
    """``messages`` without the user's messages whose ids are in ``out`` and the bot's replies to them."""
    kept_messages: list[AnyMessage] = []
    dropping = False
    for message in messages:
        if message.type == "human":
            dropping = (message.id or "") in out
        if not dropping:
            kept_messages.append(message)
    return kept_messages


async def remember(
    store: BaseStore,
    model: BaseChatModel,
    user_id: str,
    memory_type: str,
    messages: Sequence[AnyMessage],
    k: int = 10,
    provenance: dict | None = None,
) -> Outcome:
    """Extract, check, verify and save what ``messages`` teach for one kind; what was done. No episodes are
    recorded: the quotes of what is kept are stored as words (a turn's write links them to its episodes).
    Hold the user's write lock (``agent.memory.queue.write_lock``) around this call."""
    [outcome] = await write_turn(store, model, user_id, [memory_type], messages, k, provenance or {}, None, False)
    return outcome


async def write_turn(
    store: BaseStore,
    model: BaseChatModel,
    user_id: str,
    memory_types: Sequence[str],
    messages: Sequence[AnyMessage],
    k: int,
    provenance: dict,
    chat_thread_id: str | None,
    linked: bool = True,
    rules: Sequence[Rule] = (),
) -> list[Outcome]:
    """The write of one turn for each of ``memory_types``: one verification call for all of them. ``linked``:
    the turn's exchanges are kept as episodes, and quotes point into them."""
    said = said_in(messages)
    sources = _episode_keys(messages, chat_thread_id) if linked else None
    drafts = [await _draft(store, model, user_id, memory_kind(name), messages, said, k, rules) for name in memory_types]
    claims: list[Claim] = []
    for draft in drafts:
        _number_claims(draft, said, claims)
    checked = await verify(model, claims)
    outcomes = [await _settle(store, user_id, draft, checked, said, sources, provenance) for draft in drafts]
    outcomes[0].model_calls += checked.calls
    return outcomes


def _episode_keys(messages: Sequence[AnyMessage], chat_thread_id: str | None) -> list[str]:
    """The episode key of each user message that ``said_in`` lists, in its order."""
    return [
        episodes.episode_key(m.additional_kwargs.get(episodes.CHAT_THREAD_TAG) or chat_thread_id, m)
        for m in messages
        if m.type == "human" and m.text.strip()
    ]


async def _draft(
    store: BaseStore,
    model: BaseChatModel,
    user_id: str,
    kind: MemoryKind,
    messages: Sequence[AnyMessage],
    said: list[Said],
    k: int,
    rules: Sequence[Rule] = (),
) -> _Draft:
    overlay: dict[str, dict | None] = {}
    quotes: dict[str, list[Quote]] = {}
    read: dict[str, dict] = {}
    calls = 0
    for window in windows(messages, limits.PROMPT_CHARS.value() // 2):
        query = "\n".join(m.text for m in window if m.type == "human")
        existing = await recall(store, user_id, kind.name, query, k)
        for item in existing:
            read.setdefault(item.key, item.value)
        try:
            calls += 1
            proposal = await writer_for(kind).extract(model, transcript(window), _overlaid(existing, overlay))
        except ExtractionFailed:
            await health.count(store, user_id, refusals=1)
            raise
        for key, value in proposal.writes:
            worded = value if value is None else _worded(kind, value, overlay.get(key, read.get(key)))
            if worded is not _NOTHING:
                overlay[key] = worded
        for key, given in proposal.quotes.items():
            quotes.setdefault(key, []).extend(given)
    known = {key: unstamped(value) for key, value in read.items()}
    writes = [
        (key, value)
        for key, value in overlay.items()
        if (value is None and key in known) or (value is not None and known.get(key) != unstamped(value))
    ]
    draft = _Draft(kind, read, known, writes, model_calls=calls)
    for key, value in writes:
        if value is None:
            continue
        stored = known.get(key)
        held_words = [fact.words for fact in kind.facts(stored)] if stored else []
        new = [fact for fact in kind.facts(value) if not any(fact.words <= words for words in held_words)]
        if rules and new:
            under = await never_keep.matching(rules, [fact.text for fact in new])
            draft.left_out[key] = [(fact, rule) for fact, rule in zip(new, under, strict=True) if rule is not None]
            new = [fact for fact, rule in zip(new, under, strict=True) if rule is None]
        draft.new[key] = new
        for fact, texts in zip(new, _quotes_by_fact(new, quotes.get(key, [])), strict=True):
            found = [evidence for text in texts if (evidence := locate(text, said)) is not None]
            draft.evidence[(key, fact.text)] = found
            reason = NO_QUOTE if not texts else NOT_YOUR_WORDS if not found else misread(fact.text, found)
            if reason:
                draft.held[(key, fact.text)] = reason
    draft.losses = losses(known, writes, kind.facts, draft.new, [s.text for s in said])
    return draft


def _overlaid(existing: list[Item], overlay: dict[str, dict | None]) -> list[Item]:
    """What a window's writer is shown: the stored items as the earlier windows' proposal left them."""
    if not overlay:
        return existing
    now = datetime.now(UTC)
    shown = [
        Item(value=value, key=item.key, namespace=item.namespace, created_at=item.created_at, updated_at=now)
        for item in existing
        if (value := overlay.get(item.key, item.value)) is not None
    ]
    keys = {item.key for item in existing}
    shown += [
        Item(value=value, key=key, namespace=(), created_at=now, updated_at=now)
        for key, value in overlay.items()
        if key not in keys and value is not None
    ]
    return shown


_NOTHING: Any = object()


def _wordless(text: object) -> bool:
    """Text with nothing a fact could say: no word beyond the frame ("The user is 🏙️")."""
    return isinstance(text, str) and bool(text.strip()) and not terms(text)


def _worded(kind: MemoryKind, value: dict, stored: dict | None) -> Any:
    """``value`` without text that holds no word (emoji, symbols, punctuation alone), which is never a fact, a
    name, a place or a job: a document's such lines and a record's such values and entries are left out (the
    stored value stays); an item whose fact has no word, or a new document left with no fact, is not written
    (``_NOTHING``)."""
    if kind.shape == "items":
        return value if kind.facts(value) or not any(map(_wordless, value.values())) else _NOTHING
    before = stored or {}
    kept: dict = {}
    for field_name, held in value.items():
        if isinstance(held, list):
            kept[field_name] = [
                entry for entry in held if not _wordless(entry) or entry in (before.get(field_name) or [])
            ]
        elif isinstance(held, str) and kind.shape == "text":
            kept[field_name] = "\n".join(line for line in held.splitlines() if not _wordless(line))
        elif _wordless(held):
            kept[field_name] = before.get(field_name)
        else:
            kept[field_name] = held
    return kept if stored is not None or kind.facts(kept) else _NOTHING


def _quotes_by_fact(facts: list[Fact], quotes: list[Quote]) -> list[list[str]]:
    """The quotes that stand for each of a memory's new ``facts``, in order: all of them when it brings one fact;
    otherwise each quote goes to the fact its ``fact`` names best (the fact's text, its value or its field)."""
    if len(facts) == 1:
        return [[q.quote for q in quotes]]
    given: list[list[str]] = [[] for _ in facts]
    if not facts:
        return given
    for quote in quotes:
        named = normalised(quote.fact)
        best, index = max((_score(named, fact), index) for index, fact in enumerate(facts))
        if best > 0:
            given[index].append(quote.quote)
    return given


def _score(named: str, fact: Fact) -> float:
    if named and named in (normalised(fact.text), normalised(str(fact.entry or ""))):
        return 3.0
    if fact.field and named == normalised(fact.field):
        return 2.0
    said, own = set(named.split()), {word for word, _, _ in tokens(fact.text)}
    return len(said & own) / len(own) if own else 0.0


def _number_claims(draft: _Draft, said: list[Said], claims: list[Claim]) -> None:
    """Add the draft's checkable changes to the turn's ``claims``: new facts not held, and take-backs."""
    for key, facts in draft.new.items():
        for fact in facts:
            if (key, fact.text) in draft.held:
                continue
            found = draft.evidence[(key, fact.text)]
            words = list(dict.fromkeys(said[span.message].text for e in found for span in e.spans))
            asked = next((e.asked for e in found if e.answer), "")
            claims.append(Claim(fact.text, "new", words, asked))
            draft.claims[("new", key, fact.text)] = len(claims)
    for loss in draft.losses:
        if loss.taken_back and ("gone", loss.key, loss.fact.text) not in draft.claims:
            claims.append(Claim(loss.fact.text, "gone", loss.taken_back))
            draft.claims[("gone", loss.key, loss.fact.text)] = len(claims)


async def _settle(
    store: BaseStore,
    user_id: str,
    draft: _Draft,
    checked: Verification,
    said: list[Said],
    sources: list[str] | None,
    provenance: dict,
) -> Outcome:
    kind, known = draft.kind, draft.known
    outcome = Outcome(model_calls=draft.model_calls)

    def confirmed(change: str, key: str, fact: Fact) -> bool:
        number = draft.claims.get((change, key, fact.text))
        return number is not None and checked.of(number).holds is True

    held: list[review.Held] = []
    kept_facts: dict[str, list[Fact]] = {}
    for key, facts in draft.new.items():
        for fact in facts:
            if confirmed("new", key, fact):
                kept_facts.setdefault(key, []).append(fact)
                continue
            number = draft.claims.get(("new", key, fact.text))
            reason = draft.held.get((key, fact.text)) or (
                checked.of(number).reason or "the check found your words do not say it"
                if number and checked.of(number).holds is False
                else "it could not be checked"
            )
            refs = _refs(draft.evidence.get((key, fact.text), []), said, sources)
            value = dict(dict(draft.writes).get(key) or {}) if kind.key is None else None
            held.append(review.Held(kind.name, key, fact, reason, refs, value, _replaced(draft, key, fact)))
    holding = {(h.key, h.fact.text) for h in held}
    writes: list[Write] = []
    for key, value in draft.writes:
        out = [f for f in draft.new.get(key, []) if (key, f.text) in holding]
        out += [fact for fact, _ in draft.left_out.get(key, [])]
        writes += edits_for(kind).without(key, known.get(key), value, out) if out else [(key, value)]
    let_go = {(loss.key, loss.fact.text) for loss in draft.losses if _lets_go(loss, confirmed)}
    repaired: list[Write] = []
    for key, value in writes:
        after = kind.facts(value) if value is not None else []
        kept_words = frozenset().union(*(f.words for f in after))
        lost = [
            fact
            for fact in (kind.facts(known[key]) if key in known else [])
            if not own_words(fact) <= kept_words and (key, fact.text) not in let_go
        ]
        if lost:
            outcome.repaired += [fact.text for fact in lost]
            repaired += edits_for(kind).keeping(key, known.get(key), value, lost)
        else:
            repaired.append((key, value))
    writes = without_restatements(repaired, known, kind.facts)
    outcome.writes = [(key, value) for key, value in writes if value is None or known.get(key) != unstamped(value)]
    outcome.held = [f"{h.fact.text}: {h.reason}" for h in held]
    for _, rule in (pair for pairs in draft.left_out.values() for pair in pairs):
        outcome.left_out[rule.topic] = outcome.left_out.get(rule.topic, 0) + 1
    outcome.notices = described_changes(kind, known, outcome.writes) + [
        changes.change("held", kind.name, h.key, h.fact.text) for h in held
    ]
    quotes = {  # each memory's version records the words of its own facts
        key: [
            {"fact": fact.text, **ref}
            for fact in facts
            for ref in _refs(draft.evidence[(key, fact.text)], said, sources)
        ]
        for key, facts in kept_facts.items()
    }
    recorded = {**provenance, "repaired": outcome.repaired or None, "quotes": quotes or None}
    await save(store, user_id, kind.name, outcome.writes, read=draft.read, provenance=recorded)
    await review.hold(store, user_id, held)
    await health.count(store, user_id, writes=1, repairs=len(outcome.repaired), held=len(held))
    return outcome


def _lets_go(loss: Loss, confirmed: Callable[[str, str, Fact], bool]) -> bool:
    """Whether a stored fact the write drops may go: its correction was kept, or its take-back confirmed."""
    if loss.correction is not None:
        return confirmed("new", loss.key, loss.correction)
    return confirmed("gone", loss.key, loss.fact)


def _replaced(draft: _Draft, key: str, fact: Fact) -> str | None:
    """The stored fact that ``fact`` (held) would replace, to take out when the user confirms it."""
    for loss in draft.losses:
        if loss.key == key and loss.correction is fact:
            return loss.fact.text
    stored = draft.known.get(key)
    for old in draft.kind.facts(stored) if stored else []:
        if old.single and own_words(old) <= fact.words and old.text != fact.text:
            return old.text  # reworded in its one changed word: 'is 33 years old' -> 'is 34 years old'
    return None


def _refs(found: Sequence[Evidence], said: list[Said], sources: list[str] | None) -> list[dict]:
    """Where the quoted words are: an episode and its characters, or (with no episodes) the words themselves."""
    refs: list[dict] = []
    for evidence in found:
        for span in evidence.spans:
            if sources is not None:
                refs.append({"episode": sources[span.message], "start": span.start, "end": span.end})
            else:
                refs.append({"said": said[span.message].text[span.start : span.end]})
    return refs
