"""The outlet from the text: self-references only, with the phrase that gave it away."""

from __future__ import annotations

import pytest
from tests.conftest_sources import EXAMPLE, sources_db  # noqa: F401  (session fixture)

from newssift.article import Article, Removed
from newssift.pipeline import Analyzer
from newssift.report import validate_report_dict
from newssift.source.outlet import build_name_index, infer_outlet

THE_DURAN = EXAMPLE.read_text("utf-8")
SOURCE_HEAD = ["newssift.source.head:SourceHead"]


@pytest.fixture(scope="module")
def names(sources_db):
    return build_name_index(sources_db["db_url"])


def test_theduran_names_itself(names):
    found = infer_outlet(Article(text=THE_DURAN), names)
    assert found["domain"] == "theduran.com" and found["name"] == "The Duran"
    evidence = found["evidence"]
    assert THE_DURAN[evidence["start"]:evidence["end"]] == evidence["text"]
    assert evidence["text"] == "Support The Duran on Patreon!"
    kinds = {clue["kind"] for clue in found["clues"]}
    assert {"support appeal", "disclaimer"} <= kinds


def test_plain_mentions_of_other_outlets_are_not_self_references(names):
    # the example quotes RT at length ("RT reports further…"); RT must never win
    found = infer_outlet(Article(text=THE_DURAN), names)
    assert "rt.com" not in found["others"]
    story = ("Reuters reported on Monday that talks had stalled. According to the Associated Press, "
             "the deal is off. RT reports further on the breaking news. The New York Times said the "
             "White House declined to comment, as Reuters first reported last week.")
    assert infer_outlet(Article(text=story), names) is None


@pytest.mark.parametrize("text,domain", [
    ("WASHINGTON (Reuters) - The Senate voted 52-48 on Tuesday.", "reuters.com"),
    ("Body.\n\nBy Jane Smith, The Guardian\n", "theguardian.com"),
    ("Body text.\n\nCopyright 2019 The Associated Press. All rights reserved.", "apnews.com"),
    ("Body.\n\nThe views expressed here do not necessarily reflect the views of Breitbart.", "breitbart.com"),
    ("Body.\n\nSign up for The Guardian's newsletter today.", "theguardian.com"),
    # imposter domains that spell the whole name (the-los-angeles-times.com, bbc-news.us) lose to the
    # outlet the lists know well
    ("Body.\n\n©2018 Los Angeles Times. Visit at latimes.com.", "latimes.com"),
    ("Body.\n\nCopyright 2018 BBC News.", "bbc.co.uk"),
])
def test_self_reference_patterns(names, text, domain):
    found = infer_outlet(Article(text=text), names)
    assert found is not None and found["domain"] == domain
    assert text[found["evidence"]["start"]:found["evidence"]["end"]] == found["evidence"]["text"]


def test_removed_chrome_is_searched_and_marked_outside_text(names):
    article = Article(text="Trump and Putin agreed to work together, the Kremlin said.",
                      removed=[Removed("Help us grow. Support The Duran on Patreon!", "donation appeal"),
                               Removed("© 2016 The Duran. All rights reserved.", "footer")])
    found = infer_outlet(article, names)
    assert found["domain"] == "theduran.com"
    assert found["evidence"] == {"text": "Support The Duran on Patreon!", "outside_text": True,
                                 "where": "page chrome", "kind": "support appeal"}


def test_a_name_several_domains_carry_is_reported(names):
    found = infer_outlet(Article(text="x", site_name="AddictingInfo"), names)
    assert {found["domain"], *found["alternatives"]} >= {"addictinginfo.org", "addictinginfo.com"}
    assert infer_outlet(Article(text="x", site_name="The Duran"), names)["alternatives"] == []


def test_title_and_site_name(names):
    assert infer_outlet(Article(text="x", title="Trump wins | The Guardian"), names)["domain"] == "theguardian.com"
    assert infer_outlet(Article(text="x", site_name="POLITICO"), names)["domain"] == "politico.com"


def test_here_at_needs_the_first_person(names):
    # from a PTC article: a pointer to another site, not the page speaking of itself
    assert infer_outlet(Article(text="For more on Farrakhan, check out his profile here at Discover the "
                                     "Networks, the Horowitz Freedom Center's resource site."), names) is None
    assert infer_outlet(Article(text="Body.\n\nWe here at The Duran believe it."), names)["domain"] == "theduran.com"


def test_political_support_is_not_an_appeal(names):
    text = ("Polls show that most voters support Trump on trade. Many support Black Lives Matter.\n"
            '"We here at the NRA will fight this," its spokesman said.')
    assert infer_outlet(Article(text=text), names) is None


def test_a_scoop_phrase_alone_is_not_enough(names):
    assert infer_outlet(Article(text="Everyone agrees. Reuters broke the story on Monday."), names) is None


# -- the head in the analyser -----------------------------------------------------------------------------------
def _analyse(article, db_url):
    report = Analyzer(heads=SOURCE_HEAD, db_url=db_url).analyze(article)
    validate_report_dict(report.to_dict())
    return report


def test_head_without_url_infers_theduran(sources_db):
    report = _analyse(Article(text=THE_DURAN), sources_db["db_url"])
    source = report.to_dict()["source"]
    assert source["status"] == "ok"
    assert source["domain"] == "theduran.com" and source["inferred"] is True
    assert source["quality"] <= 0.35 and source["label"] == "low"
    assert {r["list"] for r in source["ratings"]} >= {"lin2023", "mbfc", "newsguard"}
    assert source["evidence"]["text"] == "Support The Duran on Patreon!"


def test_head_with_url_uses_it(sources_db):
    article = Article(text=THE_DURAN, url="https://theduran.com/confirmed-trump-and-putin-will-work-together/")
    source = _analyse(article, sources_db["db_url"]).to_dict()["source"]
    assert source["domain"] == "theduran.com" and source["inferred"] is False
    assert source["domain_from"] == "url" and source["quality"] <= 0.35


def test_head_with_a_url_the_text_contradicts_trusts_the_url(sources_db):
    article = Article(text=THE_DURAN, url="https://www.reuters.com/world/x")
    source = _analyse(article, sources_db["db_url"]).to_dict()["source"]
    assert source["domain"] == "reuters.com" and source["quality"] >= 0.9


def test_head_without_lists_is_unavailable(tmp_path):
    report = _analyse(Article(text=THE_DURAN), f"sqlite:///{tmp_path / 'empty.db'}")
    data = report.to_dict()
    assert data["heads"]["source"]["status"] == "unavailable"
    assert "newssift resources install --from DIR" in data["heads"]["source"]["message"]
    assert data["source"]["quality"] is None


def test_head_with_nothing_to_go_on(sources_db):
    source = _analyse(Article(text="It rained in the city on Tuesday, officials said."),
                      sources_db["db_url"]).to_dict()["source"]
    assert source["domain"] is None and source["label"] == "unrated" and source["note"]
