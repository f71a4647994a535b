"""The spaCy pipeline newssift runs: the fast attribute ruler must annotate exactly as spaCy's own."""

from __future__ import annotations

import pytest

from newssift.nlp import get_nlp, regex_sentences, spacy_sentences
from newssift.nlp_attributes import FastAttributeRuler


def _annotations(doc):
    return [(t.pos_, str(t.morph), t.lemma_, t.dep_, t.tag_, t.ent_type_, t.ent_iob_) for t in doc]


def test_fast_attribute_ruler_matches_spacys_on_real_articles(data_dir, example_text):
    fast, original = get_nlp(), get_nlp(fast_attributes=False)
    assert isinstance(fast.get_pipe("attribute_ruler"), FastAttributeRuler)
    assert not isinstance(original.get_pipe("attribute_ruler"), FastAttributeRuler)
    articles = sorted((data_dir / "propaganda-ptc" / "train" / "articles").glob("*.txt"))[:6]
    # contractions, "gonna", "y'all", "there is", "but" as an adverb: the ruler's exception patterns
    extra = "Y'all gonna see, there's nothing doin'. But I told you it, and let's go. Gotta run, c'mon!"
    texts = [example_text, extra] + [p.read_text("utf-8") for p in articles]
    checked = 0
    for a, b in zip(fast.pipe(texts), original.pipe(texts)):
        assert _annotations(a) == _annotations(b)
        checked += len(a)
    assert checked > 3000
    # the rules did something: tags became coarse parts of speech
    doc = fast("The Kremlin said Putin will meet Trump.")
    assert [t.pos_ for t in doc][:3] == ["DET", "PROPN", "VERB"]


@pytest.mark.parametrize("text, expected", [
    ("One. Two!\n\nThree?", ["One.", "Two!", "Three?"]),
    ("No end", ["No end"]),
])
def test_regex_sentences(text, expected):
    assert [text[s:e] for s, e in regex_sentences(text)] == expected


def test_spacy_sentences_never_cross_a_line_break():
    doc = get_nlp()("A headline without a stop\nThe body starts here. It goes on.")
    sentences = [doc.text[s:e] for s, e in spacy_sentences(doc)]
    assert sentences[0] == "A headline without a stop"
    assert all("\n" not in s for s in sentences)
