"""spaCy's attribute ruler (tag → POS and morphology, plus exceptions), applied without the Matcher.

The ruler in en_core_web_sm holds 179 one- and two-token patterns on TAG, LOWER, DEP and
IS_SPACE. spaCy runs them through its general-purpose Matcher, which costs as much per article as
the tagger and parser together. Here each token looks up only the patterns that can start on it
(by its tag or lowercase form), and the matches are written with spaCy's own `set_token_attrs`, the
ruler's own normalised attributes and its precedence (later patterns win): the annotations are the
same, which the tests check against the original component on real articles.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Callable

from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs

_TOKEN_ATTRS = {"TAG": "tag_", "LOWER": "lower_", "DEP": "dep_", "IS_SPACE": "is_space"}


def _predicate(key: str, value) -> Callable:
    attr = _TOKEN_ATTRS[key]
    if isinstance(value, dict):
        if set(value) == {"IN"}:
            allowed = frozenset(value["IN"])
            return lambda tok: getattr(tok, attr) in allowed
        if set(value) == {"NOT_IN"}:
            banned = frozenset(value["NOT_IN"])
            return lambda tok: getattr(tok, attr) not in banned
        if set(value) == {"REGEX"}:
            regex = re.compile(value["REGEX"])
            return lambda tok: regex.search(getattr(tok, attr)) is not None
        raise ValueError(f"unsupported pattern operator {value}")
    return lambda tok: getattr(tok, attr) == value


def _index_keys(spec: dict) -> list[tuple]:
    """Keys under which a token spec is filed: the most selective equality it requires."""
    for key in ("LOWER", "TAG"):
        value = spec.get(key)
        if isinstance(value, str):
            return [(key, value)]
        if isinstance(value, dict) and set(value) == {"IN"}:
            return [(key, v) for v in value["IN"]]
    if spec.get("IS_SPACE") is True:
        return [("IS_SPACE", True)]
    return []


class FastAttributeRuler:
    """A drop-in replacement for a loaded AttributeRuler (same patterns, same result)."""

    def __init__(self, ruler):
        self.attrs = ruler.attrs
        self.index: dict[tuple, list] = defaultdict(list)  # key of the first token -> patterns
        self.anywhere: list = []  # patterns whose first token has no selective key
        for order, entry in enumerate(ruler.patterns):
            for pattern in entry["patterns"]:
                if any(set(spec) - set(_TOKEN_ATTRS) for spec in pattern):
                    raise ValueError(f"unsupported attribute ruler pattern {pattern}")
                checks = [[_predicate(k, v) for k, v in spec.items()] for spec in pattern]
                compiled = (order, len(pattern), entry.get("index", 0), checks)
                keys = _index_keys(pattern[0])
                for key in keys:
                    self.index[key].append(compiled)
                if not keys:
                    self.anywhere.append(compiled)

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        tokens = list(doc)
        index, empty = self.index, ()
        matches = []
        for i, tok in enumerate(tokens):
            groups = (index.get(("LOWER", tok.lower_), empty), index.get(("TAG", tok.tag_), empty),
                      index.get(("IS_SPACE", True), empty) if tok.is_space else empty, self.anywhere)
            for group in groups:
                for order, length, position, checks in group:
                    if i + length <= n and all(check(tokens[i + j]) for j, spec in enumerate(checks)
                                               for check in spec):
                        target = i + (position if position >= 0 else length + position)
                        matches.append((order, i, target))
        # spaCy's ruler applies matches sorted by pattern order: later patterns win
        matches.sort()
        attrs = self.attrs
        for order, _, target in matches:
            set_token_attrs(tokens[target], attrs[order])
        return doc

    def pipe(self, docs, batch_size: int = 128):
        for doc in docs:
            yield self(doc)
