"""Grading one answer against LoCoMo's gold answer: the judge's verdict, token F1 and BLEU-1.

F1 is SQuAD's: lower case, punctuation and the articles a/an/the dropped, whitespace tokens, F1 of
the shared tokens. BLEU-1 is nltk's `sentence_bleu` with weights (1, 0, 0, 0) and smoothing
(method 1), over the same normalised tokens.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter

from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

LABELS = ("CORRECT", "WRONG")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)
_SMOOTHING = SmoothingFunction().method1


def normalize(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    text = str(text).lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def tokens(text: str) -> list[str]:
    return normalize(text).split()


def f1(answer: str, gold: str) -> float:
    """Token F1 of ``answer`` against ``gold`` after normalisation."""
    predicted, expected = tokens(answer), tokens(gold)
    if not predicted or not expected:
        return float(predicted == expected)
    shared = sum((Counter(predicted) & Counter(expected)).values())
    if shared == 0:
        return 0.0
    precision, recall = shared / len(predicted), shared / len(expected)
    return 2 * precision * recall / (precision + recall)


def bleu1(answer: str, gold: str) -> float:
    """Unigram BLEU of ``answer`` against ``gold``, smoothed."""
    predicted, expected = tokens(answer), tokens(gold)
    if not predicted or not expected:
        return 0.0
    return float(sentence_bleu([expected], predicted, weights=(1, 0, 0, 0), smoothing_function=_SMOOTHING))


def judge_prompt(template: str, question: str, gold: str, answer: str) -> str:
    """``template`` with its {question}, {gold_answer} and {answer} filled in (other braces left alone)."""
    return template.replace("{question}", question).replace("{gold_answer}", str(gold)).replace("{answer}", answer)


def parse_verdict(text: str) -> tuple[str, str] | None:
    """(label, reasoning) from the judge's reply: a JSON object with "label", else a lone CORRECT/WRONG."""
    for candidate in re.findall(r"\{.*?\}", text, re.S) + re.findall(r"\{.*\}", text, re.S):
        try:
            verdict = json.loads(candidate)
        except ValueError:
            continue
        label = str(verdict.get("label", "")).strip().upper() if isinstance(verdict, dict) else ""
        if label in LABELS:
            return label, str(verdict.get("reasoning", ""))
    found = set(re.findall(r"\b(CORRECT|WRONG)\b", text))
    return (found.pop(), text.strip()) if len(found) == 1 else None
