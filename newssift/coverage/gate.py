"""Which matches above the threshold are about another event, and so are withheld.

The re-ranker learns from CheckThat! tweets and debate sentences, which rarely name who did the
thing they talk about, so a fact-check's subject being absent from the query is no evidence
against a match there (half the right top-1 matches on dev have it absent), and the re-ranker
gives it no weight. An article's sentence is read with more: its parse, its named persons and
the article's date. A fact-check is withheld when its actor - the person who is the grammatical
subject of its claim - is not named in the sentence nor in the one before it, and a second, independent sign says the
event differs:

- roles reversed: the fact-check's actor did something to a person who, in the sentence, is the
  one doing the same thing ("Obama congratulated Putin" for "Putin congratulated Trump");
- another time: every year the fact-check states is at least two years before the article's
  publication, the sentence states none, and it names a person of its own (someone else acts).

Either sign alone is common in right matches (tweets about old stories, reported speech), the
actor's absence alone too; together they were never met by a right match among the top 3 of the
CheckThat! dev queries (benchmarks/coverage.md). Names are compared as text, so the same person
written "Hillary", "Clinton" or "@HillaryClinton" counts as named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
MIN_YEARS_BEFORE = 2  # a fact-check about a year this long before the article is about an older event
# words of a person's entity that do not identify the person
_TITLES = frozenset({"president", "vice", "senator", "sen", "governor", "gov", "rep", "representative", "secretary",
                     "former", "mr", "mrs", "ms", "dr", "the", "jr", "sr", "u.s", "us"})
ROLES_REVERSED = "roles reversed: the fact-check's actor is not in the sentence, whose actor is the fact-check's object"
ANOTHER_TIME = ("another event: the fact-check is about {actor} in {years}, the sentence names neither "
                "and is from {year}")


_PARSED: dict[str, object] = {}  # fact-check claim -> its parse; the same few fact-checks recur
_MAX_PARSED = 4096


def parse_factchecks(claims: list[str]) -> None:
    """Parse the claims not parsed yet, in one batch (spaCy's pipe: about 3 ms a claim, against 7
    one by one); `other_event` then reads them from memory."""
    from newssift.nlp import get_nlp

    todo = list(dict.fromkeys(c for c in claims if c not in _PARSED))
    if not todo:
        return
    if len(_PARSED) + len(todo) > _MAX_PARSED:
        _PARSED.clear()
    _PARSED.update(zip(todo, get_nlp().pipe(todo)))


def _factcheck_doc(claim: str):
    if claim not in _PARSED:
        parse_factchecks([claim])
    return _PARSED[claim]


def _person(doc, token):
    for ent in doc.ents:
        if ent.start <= token.i < ent.end:
            return ent if ent.label_ == "PERSON" else None
    return None


def _names(ent) -> set[str]:
    """The words of a person's name that identify them ("President Barack Obama" -> barack, obama)."""
    return {w.text.lower() for w in ent if w.is_alpha and len(w) > 2 and w.text.lower() not in _TITLES}


def actor(doc):
    """(the fact-check's actor, its verb): the first person entity that is a grammatical subject."""
    for token in doc:
        if token.dep_ in ("nsubj", "nsubjpass"):
            ent = _person(doc, token)
            if ent is not None and _names(ent):
                return ent, token.head
    return None, None


def _named_in(names: set[str], text: str) -> bool:
    low = text.lower()
    return any(name in low for name in names)


def _roles_reversed(sentence, verb, subject_names: set[str]) -> bool:
    """The fact-check's actor does `verb` to a person; in the sentence that person does it."""
    objects = [_person(verb.doc, c) for c in verb.children if c.dep_ == "dobj"]
    object_names = set().union(*(_names(o) for o in objects if o is not None))
    if not object_names:
        return False
    stem = verb.text.lower()[:5]  # the lemmatizer is off: the same verb shares its first letters
    for token in sentence:
        if token.pos_ == "VERB" and token.text.lower()[:5] == stem:
            for child in token.children:
                name = child.text.lower()
                if child.dep_ == "nsubj" and name in object_names and name not in subject_names:
                    return True
    return False


@dataclass
class Signs:
    """What the gate reads of a (sentence, fact-check) pair; `other_event` combines them."""

    actor: str | None = None  # the fact-check's actor as written (its person entity)
    actor_absent: bool = False  # not named in the sentence nor in its context
    roles_reversed: bool = False
    earlier_years: list[int] | None = None  # the fact-check's years, all well before the article's
    sentence_year: bool = False  # the sentence states a year
    sentence_names_person: bool = False


def signs(sentence, claim: str, article_year: int | None = None, context: str = "") -> Signs:
    fc = _factcheck_doc(claim)
    ent, verb = actor(fc)
    if ent is None:
        return Signs()
    names = _names(ent)
    text = sentence.text
    out = Signs(actor=ent.text, actor_absent=not (_named_in(names, text) or _named_in(names, context)),
                sentence_year=bool(YEAR.search(text)),
                sentence_names_person=any(e.label_ == "PERSON" for e in sentence.ents))
    if out.actor_absent:
        out.roles_reversed = _roles_reversed(sentence, verb, names)
    years = sorted({int(y) for y in YEAR.findall(claim)})
    if article_year and years and years[-1] <= article_year - MIN_YEARS_BEFORE:
        out.earlier_years = years
    return out


def other_event(sentence, claim: str, article_year: int | None = None, context: str = "") -> str | None:
    """Why the fact-check `claim` is about another event than `sentence` (a parsed spaCy Span or
    Doc), or None when nothing says so. `article_year`: the year the article was published;
    `context`: the text before the sentence (the sentence before it), where the person a sentence
    quotes or refers to by a pronoun is usually named."""
    s = signs(sentence, claim, article_year, context)
    if not s.actor_absent:
        return None
    if s.roles_reversed:
        return ROLES_REVERSED
    if s.earlier_years and not s.sentence_year and s.sentence_names_person:
        return ANOTHER_TIME.format(actor=s.actor, years=", ".join(map(str, s.earlier_years)), year=article_year)
    return None


def article_year(published: str | None) -> int | None:
    if published and len(published) >= 4 and published[:4].isdigit():
        return int(published[:4])
    return None
