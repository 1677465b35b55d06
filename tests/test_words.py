"""One word splitter for the whole project: every script is words, none is dropped, and the parts that match
words (retrieval, quotes, the embedded model's checks) see text in another script as they see English; symbols
alone are never words, so never a fact."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage
from langgraph.store.memory import InMemoryStore

from agent.memory.kinds import MEMORY_TYPES, memory_kind
from agent.memory.records.retrieval import lexical_scores
from agent.memory.write import turn
from agent.memory.write.grounding import Said, locate
from agent.memory.write.writers import Proposal
from agent.models import tool_grammar
from agent.schemas import Quote
from agent.words import stem, terms, tokens, words
from devtools.scripted_brain import ScriptedChatModel
from tests.shared_data import SAID_IN_SIX_SCRIPTS

SCRIPTS = {
    "Latin, accents": ("Je m'appelle Zoë et j'habite à Québec.", ["je", "mappelle", "zoë", "et", "jhabite", "à"]),
    "Cyrillic": ("Меня зовут Ольга, я живу в Казани.", ["меня", "зовут", "ольга", "я", "живу", "в", "казани"]),
    "Greek": ("Λέγομαι Νίκος και μένω στην Αθήνα.", ["λέγομαι", "νίκοσ", "και", "μένω", "στην", "αθήνα"]),
    "Arabic": ("اسمي ليلى وأسكن في القاهرة", ["اسمي", "ليلى", "وأسكن", "في", "القاهرة"]),
    "Devanagari (marks inside words)": ("मेरा नाम प्रिया है", ["मेरा", "नाम", "प्रिया", "है"]),
    "Hebrew": ("קוראים לי נועה", ["קוראים", "לי", "נועה"]),
    "Japanese (no spaces)": ("田中です。東京に住んでいます", ["田", "中", "で", "す", "東", "京"]),
    "Thai (no spaces)": ("ฉันชื่อสมชาย", ["ฉ", "ั", "น"]),
}


@pytest.mark.parametrize("text, first", SCRIPTS.values(), ids=SCRIPTS.keys())
def test_every_script_is_words(text, first):
    found = words(text)
    assert found[: len(first)] == first
    assert all(text[start:end] for _, start, end in tokens(text))  # each word points at its own characters


def test_case_folds_as_unicode_does():
    assert words("ΝΊΚΟΣ Νίκος STRASSE Straße") == ["νίκοσ", "νίκοσ", "strasse", "strasse"]


def test_full_width_forms_case_and_apostrophes_even_out():
    assert words("ＮＹＣ, I’m HERE") == words("nyc, I'm here") == ["nyc", "im", "here"]


def test_only_english_words_are_stemmed_and_stopwords_left_out():
    assert terms("The user likes hiking; she hikes and hiked") == ["hik", "hik", "hik"]
    assert stem("казани") == "казани" and stem("café") == "café"
    assert terms("東京") == ["東", "京"]


@pytest.mark.parametrize(
    "query, texts",
    [
        ("Где живёт Ольга?", ["Ольга живёт в Казани", "Иван любит футбол", "Мой кот спит"]),
        ("東京はどうですか", ["東京に住んでいます", "犬が好きです", "毎朝走ります"]),
        ("Αθήνα", ["μένω στην Αθήνα", "μου αρέσει το τσάι", "έχω δύο γάτες"]),
    ],
)
def test_retrieval_ranks_text_in_any_script_by_its_words(query, texts):
    first, *others = lexical_scores(query, texts)
    assert first > max(others)


def test_a_quote_in_a_script_without_spaces_is_found_anywhere_in_a_sentence():
    said = [Said("田中です。東京に住んでいます。", "m1")]
    assert locate("東京に住んで", said) is not None
    assert locate("大阪に住んで", said) is None


@pytest.mark.parametrize(
    "value, source, clause",
    [
        ("東京", "田中です。東京に住んでいます。", "東京に住んでいます"),
        ("Казань", "Меня зовут Ольга, я живу в Казань", "я живу в Казань"),
    ],
)
def test_the_embedded_models_quotes_come_from_any_script(value, source, clause):
    assert tool_grammar.quote_for(value, source) == clause


class _Proposes:
    """A writer whose model proposed exactly ``writes``, quoting the user's symbols back."""

    def __init__(self, writes: list, quotes: dict | None = None) -> None:
        self.writes = writes
        self.quotes = quotes or {key: [Quote(fact=str(value), quote="🙂")] for key, value in writes}

    async def extract(self, model, transcript, existing) -> Proposal:
        return Proposal(writes=self.writes, quotes=self.quotes)


@pytest.mark.parametrize(
    "memory_type, proposed",
    [
        ("profile", {"name": "🙂", "location": "🏙️", "job": "👩‍💻", "connections": [], "interests": ["!!!"]}),
        ("collection", {"content": "🙂🙂"}),
        ("semantic", {"content": "🙂\nThe user is 🏙️"}),
    ],
)
async def test_symbols_alone_are_never_a_name_a_place_a_job_or_a_fact(monkeypatch, memory_type, proposed):
    key = memory_kind(memory_type).key or "item"
    monkeypatch.setattr(turn, "writer_for", lambda kind: _Proposes([(key, proposed)]))
    model = ScriptedChatModel()
    model.misbehave("gullible")  # a verifier that confirms anything: the words decide
    store = InMemoryStore()
    outcome = await turn.remember(store, model, "emoji", memory_type, [HumanMessage("🙂 🏙️ 👩‍💻 !!!", id="m1")])
    assert outcome.writes == [] and await store.asearch(("memory", "emoji", memory_type)) == []


async def test_a_worded_value_beside_symbols_is_kept_and_the_symbols_left_out(monkeypatch):
    proposed = {"name": "Ada", "location": "🏙️", "job": None, "connections": [], "interests": ["chess", "🎲"]}
    quotes = [Quote(fact="name: Ada", quote="I'm Ada"), Quote(fact="interests: chess", quote="I like chess")]
    monkeypatch.setattr(turn, "writer_for", lambda kind: _Proposes([("profile", proposed)], {"profile": quotes}))
    model = ScriptedChatModel()
    model.misbehave("gullible")
    store = InMemoryStore()
    await turn.remember(store, model, "ada", "profile", [HumanMessage("I'm Ada 🙂 I like chess 🎲", id="m1")])
    [stored] = await store.asearch(("memory", "ada", "profile"))
    assert stored.value["location"] is None and stored.value["interests"] == ["chess"]


@pytest.mark.parametrize("memory_type", MEMORY_TYPES)
@pytest.mark.parametrize("said, name, place", SAID_IN_SIX_SCRIPTS.values(), ids=SAID_IN_SIX_SCRIPTS.keys())
async def test_what_is_said_in_another_script_is_kept_grounded_in_every_kind(memory_type, said, name, place):
    store = InMemoryStore()
    outcome = await turn.remember(store, ScriptedChatModel(), "u", memory_type, [HumanMessage(said, id="m1")])
    shown = memory_kind(memory_type).render(await store.asearch(("memory", "u", memory_type)), 4_000)
    assert name in shown and place in shown, shown
    assert outcome.held == [], "each fact's quote was found in the user's words and confirmed"
