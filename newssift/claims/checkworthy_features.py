"""Cheap lexical features of a sentence that say "this asserts something checkable".

Numbers, quantities, named-entity-like capitals and tense complement the encoder's sentence
embedding and the TF-IDF n-grams (numpy and the standard library only).
"""

from __future__ import annotations

import math
import re

import numpy as np

_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_QUANTITY = re.compile(r"\b(percent|per cent|million|billion|trillion|thousand|hundred|dozen|half|twice|"
                       r"double|triple|times|dollars?|jobs|rate|tax(es)?|budget|deficit|debt)\b|[$%£€]", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_PAST = re.compile(r"\b(was|were|had|did|said|voted|passed|signed|increased|decreased|cut|raised|lost|"
                   r"created|went|became|\w+ed)\b", re.I)
_FUTURE = re.compile(r"\b(will|won't|going to|gonna|shall|plan to|intend to)\b", re.I)
_OPINION = re.compile(r"\b(I think|I believe|I feel|we need|we must|we should|I want|I'm going|let me|thank you|"
                      r"I hope|I'd like|of course)\b", re.I)
_FIRST_PERSON = re.compile(r"\b(I|me|my|I'm|I've|I'll|we|us|our)\b")
_COMPARATIVE = re.compile(r"\b(more|less|fewer|most|least|highest|lowest|largest|biggest|first|only|every|never|"
                          r"increase\w*|decrease\w*|doubled?|tripled?)\b", re.I)

FEATURE_NAMES = (
    "numbers", "has_number", "quantities", "year", "capitals_inside", "capital_ratio", "log_words",
    "question", "past", "future", "opinion", "first_person_ratio", "comparatives",
)


def lexical_features(sentence: str) -> list[float]:
    words = _WORD.findall(sentence)
    n_words = max(1, len(words))
    numbers = _NUMBER.findall(sentence)
    # capitalised words other than the first: names, places, organisations, laws
    capitals_inside = sum(1 for w in words[1:] if w[0].isupper() and w not in ("I", "I'm", "I've", "I'll", "I'd"))
    return [
        min(len(numbers), 5) / 5,
        float(bool(numbers)),
        min(len(_QUANTITY.findall(sentence)), 4) / 4,
        float(bool(re.search(r"\b(1[89]\d\d|20\d\d)\b", sentence))),
        min(capitals_inside, 6) / 6,
        capitals_inside / n_words,
        math.log1p(n_words) / 4,
        float(sentence.rstrip().endswith("?")),
        min(len(_PAST.findall(sentence)), 4) / 4,
        min(len(_FUTURE.findall(sentence)), 3) / 3,
        min(len(_OPINION.findall(sentence)), 2) / 2,
        len(_FIRST_PERSON.findall(sentence)) / n_words,
        min(len(_COMPARATIVE.findall(sentence)), 3) / 3,
    ]


def lexical_matrix(sentences: list[str]) -> np.ndarray:
    return np.asarray([lexical_features(s) for s in sentences], dtype=np.float32).reshape(len(sentences), len(FEATURE_NAMES))
