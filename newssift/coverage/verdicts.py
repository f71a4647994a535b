"""Verdicts on one scale: every publisher's rating mapped to false / mostly-false / mixed /
mostly-true / true, with a truth value 0..1, or to "other" (flip-flops, satire, unrated …)."""

from __future__ import annotations

import re

SCALE = ("false", "mostly-false", "mixed", "mostly-true", "true", "other")
TRUTH = {"false": 0.0, "mostly-false": 0.25, "mixed": 0.5, "mostly-true": 0.75, "true": 1.0}

# Ordered: the first pattern that matches the lower-cased verdict wins, so "mostly false"
# is read before "false" and "not true" before "true".
_PATTERNS: list[tuple[str, str]] = [
    (r"\b(flip|flop|satire|unproven|unverified|unsupported|no evidence|research in progress|"
     r"legend|outdated|miscaptioned|misattributed|scam|labeled satire|originated as satire|"
     r"not rated|explainer|in dispute)", "other"),
    (r"\b(pants on fire|pants-fire|pants fire|four pinocchios|4 pinocchios|fake|hoax|"
     r"fabricated|incorrect|wrong|untrue|not true|inaccurate|baseless|bogus|debunked)", "false"),
    (r"\b(mostly false|mostly-false|barely true|barely-true|three pinocchios|3 pinocchios|"
     r"misleading|exaggerat|distort|lacks context|missing context|needs context|partly false|"
     r"partially false)", "mostly-false"),
    (r"\b(half true|half-true|mixture|mixed|two pinocchios|2 pinocchios|partly true|"
     r"partially true|half accurate)", "mixed"),
    (r"\b(mostly true|mostly-true|mostly correct|mostly accurate|one pinocchio|1 pinocchio)", "mostly-true"),
    (r"\bfalse\b", "false"),
    (r"\b(true|correct|accurate|geppetto checkmark|verified|confirmed)\b", "true"),
]


def normalise(raw: str | None, value: float | None = None, best: float | None = None,
              worst: float | None = None) -> tuple[str, float | None]:
    """(verdict on SCALE, truth 0..1 or None) from a publisher's words, else from a numeric
    rating on [worst, best] (schema.org reviewRating)."""
    text = (raw or "").strip().lower().replace("_", " ")
    if text:
        for pattern, label in _PATTERNS:
            if re.search(pattern, text):
                return label, TRUTH.get(label)
    if value is not None and best is not None and worst is not None and best != worst:
        share = min(1.0, max(0.0, (float(value) - float(worst)) / (float(best) - float(worst))))
        label = SCALE[min(4, int(round(share * 4)))]
        return label, TRUTH[label]
    return "other", None
