"""One word splitter for the whole project: every script is words, none is dropped, and the parts that match
words (retrieval, quotes, the embedded model's checks) see text in another script as they see English."""

from __future__ import annotations

import pytest

from agent.memory.records.retrieval import lexical_scores
from agent.memory.write.grounding import Said, locate
from agent.models import tool_grammar
from agent.words import stem, terms, tokens, words

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
