"""What an article links to: the links of the main content in ingest (a page served over HTTP), in the
report, in SemEval-2019's articles.xml, and the hyperpartisan model's links block on them."""

import numpy as np
import pytest

from newssift.article import Article
from newssift.nlp import regex_sentences
from newssift.stop.link_features import (INTERNAL_PLACEHOLDER, LINK_FEATURES, bias_group, link_features,
                                         rating_table, split_links)

from tests.conftest import DATA
from tests.servekit import serve_routes

needs_data = pytest.mark.skipif(not (DATA / "hyperpartisan-semeval2019").exists(),
                                reason="the public data sets are not here")

PAGE = b"""<!doctype html><html><head><title>Senate passes the water bill</title></head><body>
<nav><a href="/home">Home</a> <a href="https://twitter.com/ourpaper">Follow us</a></nav>
<article><h1>Senate passes the water bill</h1>
<p>The Senate passed the water bill on Tuesday, <a href="https://www.nytimes.com/2017/12/06/us/politics/bill.html">the
New York Times reported</a>. The vote was close and came after a long night of debate in the chamber, with several
senators changing their minds before the final count.</p>
<p>Critics, including <a href="https://twitter.com/SomeSenator/status/1">one senator on Twitter</a>, said the bill
would raise costs for rural towns. Supporters pointed to <a href="/2017/12/earlier-story">our earlier story</a> and to
<a href="http://www.breitbart.com/big-government/2017/12/06/report/">a report</a> that backed their case.</p>
<p>The measure now goes to the House, where its fate is uncertain. Leaders there have not said when they will
schedule a vote, and several members have raised concerns about what it would cost to carry out.</p>
</article>
<footer><a href="https://ads.example.net/privacy">Privacy</a></footer></body></html>"""


@pytest.fixture(scope="module")
def server():
    with serve_routes({"/news/senate": (200, {"Content-Type": "text/html; charset=utf-8"}, PAGE)}) as base:
        yield base


def test_a_served_page_gives_the_links_of_its_main_content(server):
    from newssift.ingest.reader import read_url

    article = read_url(server + "/news/senate", allow_private_network=True)
    assert article.source_format == "html"
    # the body's links, in order, relative ones resolved against the page's URL; navigation and footer left out
    assert article.links == ["https://www.nytimes.com/2017/12/06/us/politics/bill.html",
                             "https://twitter.com/SomeSenator/status/1",
                             server + "/2017/12/earlier-story",
                             "http://www.breitbart.com/big-government/2017/12/06/report/"]
    assert "[" not in article.text and "nytimes" not in article.text  # the text stays without Markdown links
    assert "New York Times reported" in article.text


def test_html_without_a_url_keeps_relative_links_and_plain_text_has_none():
    from newssift.ingest import read_html, read_text

    assert "/2017/12/earlier-story" in read_html(PAGE).links
    assert read_text("The council met on Monday. It agreed a plan.").links is None
    page = b"<html><body><article><p>" + b"The council met on Monday and agreed a plan for the mains. " * 8 + \
        b"</p></article></body></html>"
    assert read_html(page).links == []


def test_links_in_the_report_and_back():
    from newssift.report import Report, validate_report_dict

    article = Article(text="The council met.", links=["https://www.bbc.co.uk/news/1", "/local"])
    data = Report(article=article).to_dict()
    assert data["article"]["links"] == ["https://www.bbc.co.uk/news/1", "/local"]
    validate_report_dict(data)
    assert Article.from_dict(data["article"]).links == article.links
    plain = Report(article=Article(text="The council met.")).to_dict()
    assert plain["article"]["links"] is None
    validate_report_dict(plain)


def test_split_links_by_site():
    links = ["https://www.nytimes.com/a", "http://twitter.com/x/status/1", "/local/story", INTERNAL_PLACEHOLDER,
             "https://news.example.co.uk/other", "mailto:desk@example.co.uk", "javascript:void(0)", "https://t.co/abc"]
    external, internal = split_links(links, own_domain="https://www.example.co.uk/story")
    assert external == ["nytimes.com", "twitter.com", "t.co"]
    assert internal == 3  # the relative link, the placeholder, the same registrable domain


def test_link_features_shares_and_counts():
    ratings = {"breitbart.com": ("right", False), "infowars.com": ("conspiracy", True),
               "nytimes.com": ("left-center", False)}
    links = ["https://www.breitbart.com/a", "https://www.infowars.com/b", "https://twitter.com/c", "https://youtu.be/d",
             INTERNAL_PLACEHOLDER]
    v = dict(zip(LINK_FEATURES, link_features(links, "word " * 400, ratings)))
    assert len(v) == 15
    assert v["log_external_links"] == pytest.approx(np.log(5))
    assert v["log_internal_links"] == pytest.approx(np.log(2))
    assert v["external_links_per_1000_words"] == pytest.approx(10.0)
    assert v["social_share"] == v["video_share"] == pytest.approx(0.25)
    assert v["right_share"] == v["conspiracy_share"] == v["low_factuality_share"] == pytest.approx(0.25)
    assert v["left-center_share"] == 0 and v["rated_share"] == pytest.approx(0.5)
    assert not link_features([], "Some words.", ratings).any()


def test_bias_labels_of_both_tables():
    assert bias_group("extreme right") == bias_group("extreme-right") == "extreme-right"
    assert bias_group("right conspiracy-pseudoscience") == "conspiracy"
    assert bias_group("least biased") == bias_group("center") == "center"
    assert bias_group("far left") == bias_group("extreme-left") == "left"
    assert bias_group("pro-science") is None and bias_group("") is None


@needs_data
def test_semeval_links_and_the_rating_table():
    from newssift.stop.hyperpartisan_data import read_hyperpartisan

    items = read_hyperpartisan(DATA / "hyperpartisan-semeval2019" / "train")
    first = items[0]  # image credit links, then two links within the site (no target in the data)
    assert first.links[:5] == ["https://farm8.static.flickr.com/7020/6551534889_9c8ae52997.jpg",
                               "https://www.flickr.com/people/68751915@N05/",
                               "https://creativecommons.org/licenses/by-sa/2.0/", INTERNAL_PLACEHOLDER,
                               INTERNAL_PLACEHOLDER]
    assert sum(bool(split_links(a.links)[0]) for a in items) > 350  # most articles link to other sites
    table = rating_table(DATA)
    assert len(table) > 4000
    assert table["breitbart.com"][0] in ("right", "extreme-right")
    assert table["nytimes.com"][0] == "left-center"


@needs_data
def test_the_head_uses_the_links_block_only_when_links_are_known():
    from newssift.head import Context, Doc
    from newssift.report import Report
    from newssift.stop.hyperpartisan import HyperpartisanHead, load_artefact
    from newssift.stop.hyperpartisan_data import read_hyperpartisan

    if not load_artefact().get("link_ratings"):
        pytest.skip("the hyperpartisan artefact has no links block")
    head = HyperpartisanHead(Context())
    head.load()
    items = read_hyperpartisan(DATA / "hyperpartisan-semeval2019" / "train")[:12]
    with_links, without = [], []
    for item in items:
        for links, out in ((item.links, with_links), (None, without)):
            article = Article(text=item.text, title=item.title, language="en", links=links)
            article.sentences = regex_sentences(item.text)
            doc = Doc(article, Report(article=article), head.context)
            head(doc)
            out.append(doc.report.stop["hyperpartisan"])
    assert all(r["model"].split("+")[-1] == "links" and "links" in r["components"] for r in with_links)
    assert all("links" not in r["model"] and "links" not in r["components"] for r in without)
    truth = [item.hyperpartisan for item in items]
    assert sum(t == r["hyperpartisan"] for t, r in zip(truth, with_links)) >= 9  # training articles


def test_artefact_keeps_the_links_block_and_its_ratings():
    from newssift.stop.hyperpartisan import load_artefact

    artefact = load_artefact()
    assert tuple(artefact["link_features"]) == LINK_FEATURES
    assert len(artefact["link_ratings"]) > 4000
    subsets = list(artefact["model"].combiners)
    # with the links block first, then the same without it, for every fallback
    assert subsets[0] == ("words", "encoder", "techniques", "style", "links")
    assert subsets[1] == ("words", "encoder", "techniques", "style")
    assert ("words", "style") in subsets and ("words", "style", "links") in subsets
