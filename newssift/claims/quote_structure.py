"""Where attributions can be in a parsed article: cue candidates, content candidates, sources.

Everything here reads spaCy's parse once; the rule baseline and the learned extractor both
build on these candidates and differ only in how they choose among them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

Spans = list[tuple[int, int]]

OPENING_QUOTES = "“«„"
CLOSING_QUOTES = "”»"
STRAIGHT_QUOTES = '"'

# A quoted stretch this short is a scare quote or a title, not somebody's words.
MIN_QUOTE_WORDS = 4

# Dependency relations whose subtree can be what was said.
CONTENT_CHILD_DEPS = ("ccomp", "xcomp", "dobj", "advcl", "csubj", "oprd", "acomp", "attr", "conj",
                      "parataxis", "prep", "pobj", "nsubj", "npadvmod", "acl", "relcl")
SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj")
# Dependents to the right of a cue that are not part of what it attributes.
RIGHT_SKIP_DEPS = ("punct", "cc", "conj", "advcl", "parataxis", "agent", "relcl", "npadvmod", "mark")
CLAUSE_BREAKS = frozenset({"-", "--", "—", "–", ";", "(", "[", ":"})
# Relative pronouns: the speaker is the noun the clause hangs on.
RELATIVE = {"who", "that", "which", "whom"}


@dataclass
class Candidate:
    """A content candidate for one cue: its token indices and how it was found."""

    kind: str
    tokens: list[int]  # token indices, sorted
    spans: Spans = field(default_factory=list)  # character spans (several for quotes split by a cue)


_QUOTE_MARK = re.compile("``|''|[" + re.escape(OPENING_QUOTES + CLOSING_QUOTES + STRAIGHT_QUOTES) + "]")


def quote_regions(text: str) -> list[tuple[int, int]]:
    """Character spans of quoted stretches, marks included, with at least MIN_QUOTE_WORDS words.

    Curly quotes pair by direction; straight double quotes pair in order within a paragraph.
    """
    regions = []
    for paragraph in re.finditer(r"[^\n]+", text):
        base, chunk = paragraph.start(), paragraph.group()
        opened = None
        straight_open = None
        # only the marks matter: jump from one to the next
        for mark in _QUOTE_MARK.finditer(chunk):
            i, m = mark.start(), mark.group()
            # two apostrophes (''...'') and ``...'' stand for double quotes in some wire copy
            if m in OPENING_QUOTES or m == "``":
                opened = i
            elif m in CLOSING_QUOTES:
                if opened is not None:
                    regions.append((base + opened, base + i + 1))
                    opened = None
            elif m == "''" and opened is not None:
                regions.append((base + opened, base + i + 2))
                opened = None
            elif straight_open is None:
                straight_open = i
            else:
                regions.append((base + straight_open, base + mark.end()))
                straight_open = None
        if opened is not None:  # a quote running to the paragraph end (continued next paragraph)
            regions.append((base + opened, base + len(chunk)))
    return sorted((s, e) for s, e in regions if len(re.findall(r"\w+", text[s:e])) >= MIN_QUOTE_WORDS)


_OPEN = "\"“‘'«„`"
_CLOSE = "\"”’'»“"


def is_direct(text: str, spans) -> bool:
    """A content is direct when each of its pieces stands inside quotation marks (its own marks,
    or marks just around it)."""
    return bool(spans) and all(_quoted(text, start, end) for start, end in spans)


def _quoted(text: str, start: int, end: int) -> bool:
    inner = text[start:end].strip().rstrip(".,;:!?…— ").strip()
    if not inner:
        return False
    before = text[max(0, start - 3):start].rstrip()
    after = text[end:end + 3].lstrip(".,;:!?… ")
    opens = inner[0] in _OPEN or (bool(before) and before[-1] in _OPEN)
    closes = (len(inner) >= 2 and inner[-1] in _CLOSE) or (bool(after) and after[0] in _CLOSE)
    return opens and closes


class ParsedArticle:
    """A spaCy Doc plus the lookups the extractors need (quote regions, token to quote)."""

    def __init__(self, doc):
        self.doc = doc
        from newssift.nlp import doc_text

        self.text = doc_text(doc)
        self.quotes = quote_regions(self.text)
        self.token_quote = [-1] * len(doc)
        for qi, (s, e) in enumerate(self.quotes):
            span = doc.char_span(s, e, alignment_mode="expand")
            if span is not None:
                for t in span:
                    self.token_quote[t.i] = qi
        self.paragraph_of = _paragraph_ids(doc)
        # sentence number of each token, read once (Token.sent walks the sentence every time)
        self.sentence_of = sentence_numbers(doc)
        self._starts = [s for s, _ in self.quotes]
        self._longest = max((e - s for s, e in self.quotes), default=0)

    def quotes_between(self, lo: int, hi: int) -> list[int]:
        """Indices of the quotations overlapping characters [lo, hi), in text order."""
        import bisect

        found = []
        i = bisect.bisect_left(self._starts, hi) - 1
        while i >= 0 and self._starts[i] > lo - self._longest - 1:
            if self.quotes[i][1] > lo:
                found.append(i)
            i -= 1
        return found[::-1]

    def token_spans(self, indices) -> Spans:
        """Character spans covering the tokens, merged where the tokens are contiguous."""
        doc = self.doc
        spans: Spans = []
        last = None
        for i in sorted(indices):
            tok = doc[i]
            if tok.is_space:
                continue
            if last is not None and i == last + 1 or (last is not None and all(doc[j].is_space for j in range(last + 1, i))):
                spans[-1] = (spans[-1][0], tok.idx + len(tok))
            else:
                spans.append((tok.idx, tok.idx + len(tok)))
            last = i
        return spans


def sentence_numbers(doc) -> list[int]:
    """The sentence number of each token, as `enumerate(doc.sents)` gives it, from one array."""
    from spacy.attrs import SENT_START

    if not len(doc):
        return []
    starts = doc.to_array([SENT_START]).ravel() == 1
    starts[0] = True  # the first token always opens a sentence
    return (np.cumsum(starts) - 1).tolist()


def _paragraph_ids(doc) -> list[int]:
    ids, current = [], 0
    for tok in doc:
        ids.append(current)
        if tok.is_space and "\n" in tok.text or "\n" in tok.whitespace_:
            current += 1
    return ids


def is_cue_candidate(tok) -> bool:
    """Tokens that may head a cue: verbs, "according", ":" after a name, and nouns of saying."""
    if tok.pos_ in ("VERB", "AUX") and tok.dep_ not in ("aux", "auxpass"):
        return True
    if tok.lower_ == "according" or is_speaker_colon(tok):
        return True
    if tok.pos_ == "NOUN" and any(c.dep_ in ("ccomp", "acl", "prep", "relcl") for c in tok.children):
        return True
    return False


def is_speaker_colon(tok) -> bool:
    """The colon of a transcript line ("PENCE: Well, look, ..."): a name at the line start."""
    if tok.text != ":" or tok.i == 0:
        return False
    doc = tok.doc
    start = tok.i
    while start > 0 and not ("\n" in doc[start - 1].text or "\n" in doc[start - 1].whitespace_):
        start -= 1
    words = [t for t in doc[start:tok.i] if not t.is_space]
    return 0 < len(words) <= 4 and all(t.pos_ == "PROPN" or t.is_upper or t.is_title for t in words)


def _trim(tokens: list, doc) -> list[int]:
    """Drop punctuation and spaces at the edges (not quotation marks: they are the content's)."""
    idx = sorted(tokens)
    while idx and (doc[idx[0]].is_space or (doc[idx[0]].is_punct and not _is_quote(doc[idx[0]]))):
        idx.pop(0)
    while idx and (doc[idx[-1]].is_space or (doc[idx[-1]].is_punct and not _is_quote(doc[idx[-1]]))):
        idx.pop()
    return idx


def _is_quote(tok) -> bool:
    return any(ch in OPENING_QUOTES + CLOSING_QUOTES + STRAIGHT_QUOTES + "’‘" for ch in tok.text)


def cue_tokens(cue) -> list[int]:
    """The cue's words: the verb or noun, its particles, auxiliaries and negation, "according to"."""
    keep = [cue.i]
    for child in cue.children:
        if child.dep_ in ("aux", "auxpass", "neg", "prt") and abs(child.i - cue.i) <= 3:
            keep.append(child.i)
        if cue.lower_ == "according" and child.dep_ == "prep" and child.lower_ == "to":
            keep.append(child.i)
    return sorted(keep)


def content_candidates(article: ParsedArticle, cue) -> list[Candidate]:
    """Spans that may be what the cue attributes: clausal complements, objects, the clause
    the cue hangs on, the rest of its sentence, a quotation next to it."""
    doc = article.doc
    out: list[Candidate] = []
    seen = set()

    def add(kind, indices):
        indices = _trim(indices, doc)
        key = tuple(indices)
        if indices and key not in seen:
            seen.add(key)
            out.append(Candidate(kind, indices))

    if is_speaker_colon(cue):
        rest = []
        for t in doc[cue.i + 1:]:
            if article.paragraph_of[t.i] != article.paragraph_of[cue.i]:
                break
            rest.append(t.i)
        add("after-colon", rest)
        for cand in out:
            cand.spans = article.token_spans(cand.tokens)
        return out
    for child in cue.children:
        if child.dep_ == "ccomp" and any(c.dep_ == "conj" and c.i > child.i for c in child.children):
            # "that such deals are problematic | but have not acted": the first conjunct alone
            cut = min(c.i for c in child.children if c.dep_ in ("cc", "conj") and c.i > child.i)
            add("ccomp-first", [t.i for t in child.subtree if t.i < cut])
        if child.dep_ in CONTENT_CHILD_DEPS and child.dep_ not in SUBJECT_DEPS[:2]:
            subtree = [t.i for t in child.subtree]
            if child.dep_ == "prep":
                if cue.lower_ == "according":
                    continue
                objects = [c for c in child.children if c.dep_ in ("pobj", "pcomp")]
                for obj in objects:
                    add("prep-obj", [t.i for t in obj.subtree])
            add(child.dep_, subtree)
    cue_subtree = {t.i for t in cue.subtree}
    if cue.lower_ == "according" or cue.dep_ in ("parataxis", "ccomp", "advcl", "conj", "prep", "relcl", "acl", "npadvmod"):
        head = cue.head
        # the clause the cue is attached to, without the cue's own phrase
        rest = [t.i for t in head.subtree if t.i not in cue_subtree]
        if cue.dep_ == "relcl" or cue.dep_ == "acl":
            rest = [t.i for t in head.subtree if t.i not in cue_subtree and t.i >= cue.i]
        add("head-" + (cue.dep_ if cue.lower_ != "according" else "according"), rest)
    sent = cue.sent
    drop = {cue.i}
    for child in cue.children:
        if child.dep_ in SUBJECT_DEPS[:2] + ("aux", "auxpass", "neg", "prt", "advmod", "npadvmod", "agent", "dative", "punct", "cc") \
                or (child.dep_ == "prep" and child.lower_ != "that") or (child.dep_ == "dobj" and child.i > cue.i and any(c.dep_ == "ccomp" for c in cue.children)):
            drop.update(t.i for t in child.subtree)
    if cue.lower_ == "according":
        drop.update(cue_subtree)
    add("sentence-rest", [t.i for t in sent if t.i not in drop])
    # everything the cue governs to its right ("put | his net worth at $45 billion", "proclaims |
    # the article a “terrific piece”"): object and complement together
    right = [t.i for child in cue.children if child.i > cue.i and child.dep_ not in RIGHT_SKIP_DEPS
             for t in child.subtree]
    if len([c for c in cue.children if c.i > cue.i and c.dep_ not in RIGHT_SKIP_DEPS]) > 1:
        add("right", right)
    for child in cue.children:
        # a complement running on past a dash, semicolon or bracket: the words before it
        if child.dep_ in ("ccomp", "dobj", "xcomp") and child.i > cue.i:
            subtree = [t.i for t in child.subtree]
            # the break may hang outside the clause's own tokens: look at every position in its stretch
            cut = next((i for i in range(subtree[0] + 1, subtree[-1] + 1) if doc[i].text in CLAUSE_BREAKS), None)
            if cut is not None:
                add(child.dep_ + "-clipped", [i for i in subtree if i < cut])
    if cue.lower_ == "according" and cue.head.i != cue.i:
        # "While X, according to Y, Z": the main clause only, without the clauses hanging on it
        head = cue.head
        side = set(cue_subtree)
        for child in head.children:
            if child.dep_ in ("advcl", "conj", "cc", "parataxis") and child.i != cue.i:
                side.update(t.i for t in child.subtree)
        main = [t.i for t in head.subtree if t.i not in side]
        add("head-according-main", main)
    # quotations: one in the cue's sentence or just around it, continued by the quoted
    # sentences that follow it in the same paragraph
    for qi in _quotes_near(article, cue):
        spans = [article.quotes[qi]]
        nxt = qi + 1
        while nxt < len(article.quotes) and _continues(article, spans[-1], article.quotes[nxt], cue):
            spans.append(article.quotes[nxt])
            nxt += 1
        indices = []
        for s, e in spans:
            span = doc.char_span(s, e, alignment_mode="expand")
            if span is not None:
                indices.extend(t.i for t in span)
        key = tuple(sorted(indices))
        if indices and key not in seen:
            seen.add(key)
            out.append(Candidate("quote" if len(spans) == 1 else "quote-continued", sorted(indices), spans))
            if len(spans) > 1:
                first = [t.i for t in doc.char_span(*spans[0], alignment_mode="expand")]
                out.append(Candidate("quote", first, [spans[0]]))
    for cand in out:
        if not cand.spans:
            cand.spans = article.token_spans(cand.tokens)
    return out


def _quotes_near(article: ParsedArticle, cue) -> list[int]:
    sent = cue.sent
    found = []
    for qi in article.quotes_between(sent.start_char - 4, sent.end_char):
        s, e = article.quotes[qi]
        if s < sent.end_char and e > sent.start_char and not (s <= cue.idx < e):
            found.append(qi)
        elif 0 <= sent.start_char - e <= 3 and not article.text[e:sent.start_char].strip(" ,"):
            found.append(qi)
    return found[:2]


def _continues(article: ParsedArticle, previous: tuple[int, int], following: tuple[int, int], cue) -> bool:
    """The next quotation continues the speaker's words: same paragraph, and between them only
    a short '(he said.)' or the cue's own clause ('said Jaime Harrison, chair of ...')."""
    between = article.text[previous[1]:following[0]]
    if "\n" in between or len(between) > 200:
        return False
    return len(re.findall(r"\w+", between)) <= 5 or previous[1] <= cue.idx < following[0]


def subject_of(tok):
    """The subject of a verb, climbing through conjunctions, xcomps and adverbial clauses."""
    seen = 0
    while tok is not None and seen < 4:
        for child in tok.children:
            if child.dep_ in ("nsubj", "csubj"):
                return child
        for child in tok.children:
            if child.dep_ == "agent":
                objects = [c for c in child.children if c.dep_ == "pobj"]
                if objects:
                    return objects[0]
        if tok.dep_ in ("conj", "xcomp", "advcl", "acl", "relcl", "pcomp") and tok.head.i != tok.i:
            if tok.dep_ in ("acl", "relcl") and tok.head.pos_ in ("NOUN", "PROPN", "PRON"):
                return tok.head
            tok = tok.head
            seen += 1
            continue
        return None
    return None


def source_of(cue):
    """The token heading the speaker phrase of a cue, or None."""
    if is_speaker_colon(cue):
        return cue.doc[cue.i - 1]
    if cue.lower_ == "according":
        for child in cue.children:
            if child.dep_ == "prep":
                objects = [c for c in child.children if c.dep_ == "pobj"]
                if objects:
                    return objects[0]
        return None
    if cue.pos_ == "NOUN":  # "Trump's statement", "a statement from the Kremlin"
        for child in cue.children:
            if child.dep_ == "poss":
                return child
        for child in cue.children:
            if child.dep_ == "prep" and child.lower_ in ("from", "by", "of"):
                objects = [c for c in child.children if c.dep_ == "pobj"]
                if objects:
                    return objects[0]
        if cue.dep_ in ("dobj", "pobj") and cue.head.pos_ == "VERB":
            return subject_of(cue.head) if cue.dep_ == "dobj" else subject_of(cue.head.head)
        return None
    subject = subject_of(cue)
    if subject is not None and subject.lower_ in RELATIVE and subject.head.dep_ == "relcl":
        return subject.head.head
    if subject is None:
        # "a statement saying ...": the noun the participle hangs on speaks
        if cue.dep_ == "acl" and cue.head.pos_ in ("NOUN", "PROPN"):
            return cue.head
        # "In a statement, the Kremlin ..." gives no subject to the participle; nothing else
    return subject


def speaker_tokens(head) -> list[int]:
    """The speaker mention: the head's phrase without relative clauses and long modifiers."""
    if head is None:
        return []
    keep = {head.i}
    for child in head.children:
        if child.dep_ in ("compound", "poss", "amod", "det", "nmod", "case", "flat", "nummod") or \
                (child.dep_ in ("prep",) and child.i > head.i and child.lower_ in ("of",)):
            keep.update(t.i for t in child.subtree)
        if child.dep_ == "cc" or child.dep_ == "conj":
            keep.update(t.i for t in child.subtree if t.dep_ not in ("relcl", "acl"))
    lo, hi = min(keep), max(keep)
    return [i for i in range(lo, hi + 1) if not head.doc[i].is_punct or head.doc[i].text in ("’s", "'s")]
