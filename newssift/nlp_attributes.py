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


class FastAttributeRuler:
    """A drop-in replacement for a loaded AttributeRuler (same patterns, same result)."""

    def __init__(self, ruler):
        self.attrs = ruler.attrs
        self.single: list = []  # (order, checks) of one-token patterns
        self.multi_by_lower: dict[str, list] = defaultdict(list)
        self.multi_anywhere: list = []
        for order, entry in enumerate(ruler.patterns):
            for pattern in entry["patterns"]:
                if any(set(spec) - set(_TOKEN_ATTRS) for spec in pattern):
                    raise ValueError(f"unsupported attribute ruler pattern {pattern}")
                checks = [[_predicate(k, v) for k, v in spec.items()] for spec in pattern]
                if len(pattern) == 1:
                    self.single.append((order, checks[0]))
                    continue
                compiled = (order, len(pattern), entry.get("index", 0), checks)
                if isinstance(pattern[0].get("LOWER"), str):
                    self.multi_by_lower[pattern[0]["LOWER"]].append(compiled)
                else:
                    self.multi_anywhere.append(compiled)
        # a one-token pattern depends only on these attributes of its token, so the patterns that
        # match a token are computed once per distinct (tag, lower, dep, is_space)
        self._single_cache: dict[tuple, tuple[int, ...]] = {}

    def _single_matches(self, tok, key: tuple) -> tuple[int, ...]:
        found = self._single_cache.get(key)
        if found is None:
            found = tuple(order for order, checks in self.single if all(check(tok) for check in checks))
            if len(self._single_cache) < 100_000:
                self._single_cache[key] = found
        return found

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        tokens = list(doc)
        matches = []
        for i, tok in enumerate(tokens):
            lower = tok.lower_
            for order in self._single_matches(tok, (tok.tag_, lower, tok.dep_, tok.is_space)):
                matches.append((order, i, i))
            for group in (self.multi_by_lower.get(lower, ()), self.multi_anywhere):
                for order, length, index, checks in group:
                    if i + length <= n and all(check(tokens[i + j]) for j, spec in enumerate(checks)
                                               for check in spec):
                        matches.append((order, i, i + (index if index >= 0 else length + index)))
        # spaCy's ruler applies matches sorted by pattern order: later patterns win
        matches.sort()
        attrs = self.attrs
        for order, _, target in matches:
            set_token_attrs(tokens[target], attrs[order])
        return doc

    def pipe(self, docs, batch_size: int = 128):
        for doc in docs:
            yield self(doc)
