"""Page chrome: the lines of a page that are not the story.

Two parts fill one interface, `ChromeDetector.score_lines(lines) -> [(probability, reason)]`:
- patterns for widgets whose wording is fixed by the software that makes them (comment
  systems, rating widgets, share bars, donation appeals, disclaimers): certain, with a reason;
- a line classifier learned from real pages (``newssift train chrome``): on the pages of the
  extraction benchmark, the lines of the page that trafilatura drops and that are not in the gold
  body are chrome, and the gold body's lines are story.
A line is dropped only when it is not story-shaped or a pattern is certain, so a sentence of
the story is never lost to a guess.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# (reason, pattern, certain): matched against a whole line, case-insensitive. A certain pattern
# names wording that only widgets use; an uncertain one drops a line only if it is not a full
# sentence of prose (a story may well say "he urged supporters to donate").
CHROME_PATTERNS: list[tuple[str, str, bool]] = [
    ("rating widget", r"(\d+\s+){1,3}votes?(\s+article\s+rating)?|article rating|rate this (article|story|post)"
                      r"|(\d(\.\d)?\s*(/|out of)\s*5\s*)?stars?( rating)?|\d+ (likes?|dislikes?)", True),
    ("comment prompt", r"what do you think\??|notify of(\s+new.*)?|inline feedbacks?|view all comments|"
                       r"(\d+\s+)?comments?|leave a (comment|reply)|join the (conversation|discussion)|"
                       r"post a comment|add (a|your) comment|show comments|load(ing)? comments|"
                       r"(newest|oldest|most voted)|login|log in|sign in( to comment)?|"
                       r"you must be logged in.*|please log in to .*|be the first to comment.*|"
                       r"comments? (are|is) closed.*|reply|subscribe to (comments|replies)|"
                       r"\d+ (replies|reply)", True),
    ("donation appeal", r"(help us grow\.?\s*)?(please )?(support|donate to|back) .{0,60}\bon patreon\b.*|"
                        r"help us grow.*", True),
    ("donation appeal", r".*\b(donate|make a donation|become a (patron|member|supporter))\b.{0,80}|"
                        r".*\bsupport (our|independent) journalism\b.*", False),
    ("subscription appeal", r"(subscribe|sign up)( now| today)?( to| for)? (our|the) (newsletter|daily|weekly).*|"
                            r"subscribe|sign up for .{0,60}newsletter.*|get (our|the) newsletter.*|"
                            r"enter your email.*|follow us on .*|like us on facebook.*", False),
    ("disclaimer", r"the (statements|views)(,|\s).{0,40}(opinions)? expressed (in this|herein).{0,40}"
                   r"(solely|are those of|do not necessarily).*|"
                   r".*do not necessarily (represent|reflect) (the views|those|the opinions) of.*|"
                   r"views expressed (are|in this).{0,60}(own|author).*", True),
    ("share bar", r"(share|tweet|email|print|pin|whatsapp|facebook|twitter|linkedin|reddit|telegram)"
                  r"(\s*[|/·•,]?\s*(share|tweet|email|print|pin|whatsapp|facebook|twitter|linkedin|reddit|"
                  r"telegram))*|share (this|on).{0,40}|share it with a friend!?|like this story\?.*|"
                  r"click to share.*|share this( article| story)?:?", False),
    ("related links", r"(related|recommended|more from|read more|read next|you may also like|"
                      r"you might also like|also on [\w.]+|trending|popular|most read|more stories)"
                      r"(\s*(articles|stories|posts|news|now|:).*)?", False),
    ("advertisement", r"advertisement|sponsored( content)?|ad|promoted( content)?|continue reading( below)?", False),
    ("copyright line", r"(©|\(c\)|copyright)\s*\d{4}.*|all rights reserved\.?", True),
]

_COMPILED = [(reason, re.compile(rf"^\s*(?:{pattern})\s*$", re.IGNORECASE), certain)
             for reason, pattern, certain in CHROME_PATTERNS]


def pattern_reason(line: str) -> str | None:
    """The kind of chrome a line certainly is, or None."""
    stripped = line.strip()
    if len(stripped) > 400:
        return None
    story = None
    for reason, regex, certain in _COMPILED:
        if regex.match(stripped):
            if certain:
                return reason
            if story is None:
                story = is_story_shaped(stripped)
            if not story:
                return reason
    return None


def is_story_shaped(line: str) -> bool:
    """A full sentence of prose: enough words, and sentence punctuation."""
    words = re.findall(r"[A-Za-z\u00C0-\u024F']+", line)
    return len(words) >= 8 and bool(re.search(r"[.!?…”\"’)]\s*$", line.strip()))


def is_headline_shaped(line: str) -> bool:
    """Short, no final full stop: the shape of a headline or a link text."""
    stripped = line.strip()
    words = stripped.split()
    return 2 <= len(words) <= 25 and not re.search(r"[.:;,]\s*$", stripped)


# -- the learned line classifier -----------------------------------------------------------------------
def line_features(line: str, position: float) -> dict[str, float]:
    """Shape features of one line; `position` is its relative place in the page (0 top, 1 bottom)."""
    stripped = line.strip()
    words = stripped.split()
    n_words = len(words)
    letters = sum(c.isalpha() for c in stripped) or 1
    feats = {
        "bias": 1.0,
        "log_words": math.log1p(n_words),
        "log_chars": math.log1p(len(stripped)),
        "ends_sentence": float(bool(re.search(r"[.!?…”\"’]\s*$", stripped))),
        "ends_colon": float(stripped.endswith(":")),
        "upper_ratio": sum(c.isupper() for c in stripped) / letters,
        "title_case_ratio": sum(w[:1].isupper() for w in words) / (n_words or 1),
        "digit_ratio": sum(c.isdigit() for c in stripped) / (len(stripped) or 1),
        "has_pipe": float("|" in stripped or "•" in stripped or "·" in stripped),
        "has_url": float(bool(re.search(r"https?://|www\.|\.com\b", stripped))),
        "has_at": float("@" in stripped),
        "comma_per_word": stripped.count(",") / (n_words or 1),
        "quote": float(bool(re.search(r"[“”\"]", stripped))),
        "short": float(n_words <= 4),
        "position": position,
        "position_end": float(position > 0.85),
        "position_start": float(position < 0.1),
    }
    for word in re.findall(r"[a-z]+", stripped.lower())[:12]:
        feats["w=" + word] = 1.0
    return feats


@dataclass
class LineModel:
    weights: dict[str, float]
    threshold: float

    def probability(self, line: str, position: float) -> float:
        z = sum(self.weights.get(k, 0.0) * v for k, v in line_features(line, position).items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=1)
def load_line_model() -> LineModel | None:
    try:
        raw = resources.files("newssift.models").joinpath("artefacts/chrome/line_model.json").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return None
    data = json.loads(raw)
    return LineModel(weights=data["weights"], threshold=data["threshold"])


def classify_lines(lines: list[str]) -> list[str | None]:
    """For each line, the reason it is chrome, or None if it is (or may be) story.

    Certain patterns decide first. The learned model may drop a line only when the line is not
    story-shaped. A block of headline-shaped lines after the story's chrome (related headlines)
    goes with it.
    """
    model = load_line_model()
    n = len(lines)
    reasons: list[str | None] = []
    for i, line in enumerate(lines):
        reason = pattern_reason(line)
        if reason is None and model is not None and not is_story_shaped(line):
            if model.probability(line, i / max(1, n - 1)) >= model.threshold:
                reason = "page furniture (learned)"
        reasons.append(reason)
    # Trailing related headlines: scanning up from the end, headline-shaped lines are dropped when
    # chrome stands between them and the story.
    tail = n - 1
    while tail >= 0 and (reasons[tail] is not None or is_headline_shaped(lines[tail])):
        tail -= 1
    if any(r is not None for r in reasons[tail + 1:]):
        first_chrome = next(i for i in range(tail + 1, n) if reasons[i] is not None)
        for i in range(first_chrome, n):
            if reasons[i] is None:
                reasons[i] = "related headlines"
    return reasons
