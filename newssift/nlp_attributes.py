"""spaCy's attribute ruler (tag → POS and morphology, plus exceptions), applied without the Matcher.

The ruler in en_core_web_sm holds 179 one- and two-token patterns on TAG, LOWER, DEP and
IS_SPACE. spaCy runs them through its general-purpose Matcher, which costs as much per article as
the tagger and parser together. Here:

- the tag map (56 patterns: one token whose TAG equals a value, setting POS and MORPH) is written
  for the whole Doc at once, as arrays;
- every other pattern's first token depends only on the token's TAG, DEP, IS_SPACE and on which
  of the patterns' LOWER values or regexes its lowercase form meets, so which patterns can start
  on a token is looked up in a cache keyed by those, filled the first time a combination is seen
  (a few hundred occur); a two-token pattern then checks its second token;
- tokens that an exception matches get every one of their matches written again in pattern order
  with spaCy's own `set_token_attrs`, so later patterns win exactly as in spaCy's ruler.

The annotations are the same as the original component's, which the tests check on real articles.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Callable

import numpy as np
from spacy.attrs import DEP, IS_SPACE, LOWER, MORPH, POS, TAG
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs

_TOKEN_ATTRS = {"TAG": "tag_", "LOWER": "lower_", "DEP": "dep_", "IS_SPACE": "is_space"}
_CACHE_LIMIT = 500_000  # entries kept in each lookup cache; cleared beyond


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


def _is_tag_map(pattern: list[dict], index: int) -> bool:
    return len(pattern) == 1 and set(pattern[0]) == {"TAG"} and isinstance(pattern[0]["TAG"], str) \
        and index in (0, -1)


class FastAttributeRuler:
    """A drop-in replacement for a loaded AttributeRuler (same patterns, same result)."""

    def __init__(self, ruler):
        self.attrs = ruler.attrs
        self.vocab = ruler.vocab
        self.by_tag: dict[str, list[int]] = defaultdict(list)  # tag -> orders of its tag-map patterns
        self.exceptions: list[tuple] = []  # (order, length, index, checks per token)
        for order, entry in enumerate(ruler.patterns):
            for pattern in entry["patterns"]:
                if any(set(spec) - set(_TOKEN_ATTRS) for spec in pattern):
                    raise ValueError(f"unsupported attribute ruler pattern {pattern}")
                if len(pattern) > 2:
                    raise ValueError(f"attribute ruler patterns longer than two tokens are not supported: {pattern}")
                if _is_tag_map(pattern, entry.get("index", 0)):
                    self.by_tag[pattern[0]["TAG"]].append(order)
                else:
                    checks = [[_predicate(k, v) for k, v in spec.items()] for spec in pattern]
                    self.exceptions.append((order, len(pattern), entry.get("index", 0), checks))
        self._tag_table = self._build_tag_table()
        self._lower_values, self._lower_regexes = self._lower_vocabulary(ruler.patterns)
        self._lower_classes: dict[int, object] = {}  # LOWER hash -> what the patterns can see of it
        self._starts: dict[tuple, tuple] = {}  # (lower class, TAG, DEP, IS_SPACE) -> exceptions starting there

    @staticmethod
    def _lower_vocabulary(patterns) -> tuple[frozenset, list]:
        values, regexes = set(), []
        for entry in patterns:
            for spec in (spec for pattern in entry["patterns"] for spec in pattern):
                value = spec.get("LOWER")
                if isinstance(value, str):
                    values.add(value)
                elif isinstance(value, dict):
                    values.update(value.get("IN", ()), value.get("NOT_IN", ()))
                    if "REGEX" in value:
                        regexes.append(re.compile(value["REGEX"]))
        return frozenset(values), regexes

    def _lower_class(self, text: str):
        """Two forms with the same class meet exactly the same LOWER conditions."""
        return (text if text in self._lower_values else "",
                tuple(r.search(text) is not None for r in self._lower_regexes))

    def _build_tag_table(self) -> dict[int, dict]:
        """tag hash -> the POS and MORPH its tag-map patterns leave (later patterns win)."""
        table = {}
        for tag, orders in self.by_tag.items():
            merged: dict = {}
            for order in orders:
                merged.update(self.attrs[order])
            if set(merged) - {POS, MORPH}:
                raise ValueError(f"unsupported tag-map attributes {merged}")
            table[self.vocab.strings.add(tag)] = merged
        return table

    def _exceptions_starting_at(self, token) -> tuple:
        return tuple(e for e in self.exceptions if all(check(token) for check in e[3][0]))

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0:
            return doc
        columns = doc.to_array([LOWER, TAG, DEP, IS_SPACE])
        # 1. exception matches, all found before anything is written (as spaCy's Matcher does)
        starts, classes = self._starts, self._lower_classes
        for cache in (starts, classes):
            if len(cache) > _CACHE_LIMIT:
                cache.clear()
        uniques, first, inverse = np.unique(columns[:, 0], return_index=True, return_inverse=True)
        unique_classes = []
        for lower_hash, i in zip(uniques.tolist(), first.tolist()):
            cls = classes.get(lower_hash)
            if cls is None:
                cls = classes[lower_hash] = self._lower_class(doc[i].lower_)
            unique_classes.append(cls)
        lower_class = [unique_classes[j] for j in inverse.tolist()]
        matched: dict[int, list[int]] = defaultdict(list)  # target token -> orders of its matches
        for i, key in enumerate(zip(lower_class, *columns[:, 1:].T.tolist())):
            found = starts.get(key)
            if found is None:
                found = starts[key] = self._exceptions_starting_at(doc[i])
            for order, length, position, checks in found:
                if length == 2 and not (i + 1 < n and all(check(doc[i + 1]) for check in checks[1])):
                    continue
                matched[i + (position if position >= 0 else length + position)].append(order)
        # 2. the tag map, for every token at once
        tags = columns[:, 1]
        values = doc.to_array([POS, MORPH])
        for tag_hash, merged in self._tag_table.items():
            rows = tags == tag_hash
            if rows.any():
                if POS in merged:
                    values[rows, 0] = merged[POS]
                if MORPH in merged:
                    values[rows, 1] = merged[MORPH]
        doc.from_array([POS, MORPH], values)
        # 3. tokens with exceptions: all their matches again, in pattern order (later wins)
        attrs = self.attrs
        for target, orders in matched.items():
            token = doc[target]
            for order in sorted(set(orders).union(self.by_tag.get(token.tag_, ()))):
                set_token_attrs(token, attrs[order])
        return doc

    def pipe(self, docs, batch_size: int = 128):
        for doc in docs:
            yield self(doc)
