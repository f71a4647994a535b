"""The gate that withholds fact-checks about another event (newssift.coverage.gate), on real
sentences: the example article, FakeNewsNet articles, and the CheckThat! dev pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

from newssift.coverage.gate import ROLES_REVERSED, article_year, other_event, signs
from newssift.nlp import get_nlp

DATA = Path("/work/shared/data") if Path("/work/shared/data").is_dir() else Path(__file__).resolve().parents[2] / "shared" / "data"

# the example article (theduran-2016-trump-putin.txt) and the Snopes fact-check it used to be shown
EXAMPLE = ("Trump’s team has issued a statement saying Putin congratulated the US president-elect on his "
           "election victory.")
OBAMA_2012 = "President Obama congratulated Vladimir Putin for Russia's election results in 2012"


@pytest.fixture(scope="module")
def nlp():
    return get_nlp()


def test_example_sentence_is_another_event(nlp):
    # Obama congratulated Putin; in the sentence Putin congratulates: with or without the date
    assert other_event(nlp(EXAMPLE), OBAMA_2012) == ROLES_REVERSED
    assert other_event(nlp(EXAMPLE), OBAMA_2012, 2016) == ROLES_REVERSED
    read = signs(nlp(EXAMPLE), OBAMA_2012, 2016)
    assert read.actor == "Obama" and read.actor_absent and read.earlier_years == [2012]


def test_same_event_told_by_its_actor_passes(nlp):
    # the actor named: the same event, whatever the year
    assert other_event(nlp("Obama congratulated Putin on his election victory."), OBAMA_2012, 2016) is None
    assert other_event(nlp("President Barack Obama called Vladimir Putin to congratulate him."), OBAMA_2012, 2016) is None


def test_roles_reversed_in_a_fakenewsnet_sentence(nlp):
    # FakeNewsNet (2016): re-ranked 0.472 against this PolitiFact claim, just under the threshold
    sentence = nlp("Ted Cruz endorsed Donald Trump on Friday.")
    claim = ('Mitt Romney did not "endorse" Ted Cruz, even though he said he is voting for Cruz and urged others '
             "to do likewise.")
    assert other_event(sentence, claim, 2016) == ROLES_REVERSED
    assert other_event(nlp("Mitt Romney endorsed Ted Cruz on Friday."), claim, 2016) is None


def test_an_older_event_needs_the_article_date(nlp):
    # FakeNewsNet PolitiFact_Real_18 (2016-09-19), shown at 0.590 against a Snopes fact-check of 1945
    sentence = nlp("Peter King: We shouldn't be 'pandering' to political correctness")
    claim = ("President Harry S. Truman in 1945 described political correctness as “a doctrine fostered by a "
             "delusional, illogical minority.”")
    reason = other_event(sentence, claim, 2016)
    assert reason and reason.startswith("another event") and "1945" in reason
    assert other_event(sentence, claim, None) is None  # no date: nothing says the event is older
    assert other_event(sentence, claim, 1946) is None  # an article of 1946 may well be about it
    # a sentence stating a year of its own is left to the re-ranker
    assert other_event(nlp("Peter King said in 1945 we shouldn't be pandering to political correctness"), claim, 2016) is None


def test_the_sentence_before_names_who_is_quoted(nlp):
    # FakeNewsNet BuzzFeed_Fake_28 (2016): the quote's speaker is named in the sentence before, and
    # the fact-check (Snopes, about 2008) is the right one
    sentence = nlp("Hillary can’t be trusted and isn’t qualified to be President.”")
    before = ("With that, consider the President’s past considerations of today’s democrat candidate, his hopeful "
              "successor, when back during the 2008 primary, Obama stated of Hillary, “She will say anything and "
              "change nothing.")
    claim = ('Barack Obama said that Hillary Clinton would "say anything and do nothing" and that she was not '
             "qualified for the presidency in 2008.")
    assert other_event(sentence, claim, 2016, before) is None
    assert other_event(sentence, claim, 2016) is not None


def test_article_year():
    assert article_year("2016-11-15T10:00:00+00:00") == 2016
    assert article_year(None) is None and article_year("") is None


@pytest.mark.skipif(not (DATA / "claimmatch-clef2021-2b").is_dir(), reason="public data not present")
def test_no_right_checkthat_dev_pair_is_withheld(nlp):
    """Every dev query of both tasks against each of its right fact-checks, with the query's date
    (debate or tweet) and, for debates, the transcript lines before it: none may be withheld."""
    from newssift.coverage.experiments import politifact_task, snopes_task

    pairs = []
    for task in (snopes_task(str(DATA)), politifact_task(str(DATA))):
        claims = {r["vclaim_id"]: r["vclaim"] for r in task.collection}
        queries, qrels = task.split("dev")
        for q, text in queries.items():
            pairs += [(text, claims[v], article_year(task.meta[q]["date"]), task.context.get(q, "")) for v in qrels[q]]
    assert len(pairs) == 199 + 140
    docs = dict(zip({p[0] for p in pairs}, nlp.pipe({p[0] for p in pairs})))
    withheld = [(text, claim) for text, claim, year, before in pairs if other_event(docs[text], claim, year, before)]
    assert withheld == []
