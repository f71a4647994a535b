"""The hyperpartisan, headline and summary heads on real text, and their evaluation commands on real samples."""

import json
from pathlib import Path

import pytest

from newssift.article import Article
from newssift.head import Context, Doc
from newssift.nlp import regex_sentences
from newssift.report import Report, validate_report_dict

from tests.conftest import DATA, EXAMPLE

needs_data = pytest.mark.skipif(not DATA.exists(), reason="the public data sets are not here")


def example_article() -> Article:
    lines = EXAMPLE.read_text("utf-8").splitlines()
    # the page's first line is a scrap of navigation ("In ,"); the title is the next non-empty line
    body_start = None
    title = None
    for i, line in enumerate(lines[1:], 1):
        if line.strip():
            title, body_start = line.strip(), i + 1
            break
    body = "\n".join(lines[body_start:]).strip()
    article = Article(text=body, title=title, language="en")
    article.sentences = regex_sentences(body)
    return article


def run(head_class, article: Article, report: Report | None = None) -> Doc:
    head = head_class(Context())
    head.load()
    doc = Doc(article, report or Report(article=article), head.context)
    head(doc)
    return doc


@needs_data
def test_example_headline_overstates_the_body():
    from newssift.stop.headline import HeadlineHead

    article = example_article()
    assert article.title.startswith("CONFIRMED: Trump and Putin")
    result = run(HeadlineHead, article).report.stop["headline"]
    assert result["overstates"] is True
    title_cues = [c for c in result["cues"] if c.get("outside_text")]
    assert {"certainty_word", "exclamation"} <= {c["kind"] for c in title_cues}
    for cue in title_cues:
        assert cue["field"] == "title" and article.title[cue["start"]:cue["end"]] == cue["text"]
    assert any(c["text"] == "CONFIRMED" for c in title_cues)
    closest = result["closest_sentence"]
    assert article.text[closest["start"]:closest["end"]] == closest["text"]
    assert any(w in closest["text"].lower() for w in ("isis", "terrorism", "putin"))
    assert set(result["stance_scores"]) == {"agree", "disagree", "discuss", "unrelated"}
    assert sum(result["stance_scores"].values()) == pytest.approx(1.0, abs=1e-3)


@needs_data
def test_plain_headline_that_the_body_states_does_not_overstate():
    from newssift.stop.headline import HeadlineHead

    body = ("The city council approved a new budget on Tuesday. The budget raises spending on schools by 4 percent. "
            "Council members voted 7 to 2 in favour after a short debate.")
    article = Article(text=body, title="City council approves new budget", language="en")
    article.sentences = regex_sentences(body)
    result = run(HeadlineHead, article).report.stop["headline"]
    assert result["overstates"] is False
    assert not [c for c in result["cues"] if c.get("outside_text")]
    assert result["stance"] != "unrelated"


@needs_data
def test_example_summary_points_all_have_evidence_and_report_validates():
    from newssift.stop.headline import HeadlineHead
    from newssift.stop.hyperpartisan import HyperpartisanHead
    from newssift.summary import SummaryHead

    article = example_article()
    report = Report(article=article)
    for head_class in (HeadlineHead, HyperpartisanHead, SummaryHead):
        run(head_class, article, report)
        report.set_head_status(head_class.name, head_class.section, "ok")
    summary = report.summary
    assert summary["points"], summary
    assert any(p["kind"] == "headline" and "overstates" in p["text"] for p in summary["points"])
    for point in summary["points"]:
        assert point["evidence"], point
        for ref in point["evidence"]:
            if "path" in ref:
                assert _resolve(report.to_dict(), ref["path"]) is not None, ref
            elif ref.get("outside_text"):
                assert article.title[ref["start"]:ref["end"]] == ref["text"]
            else:
                assert article.text[ref["start"]:ref["end"]] == ref["text"]
    assert 0.0 <= summary["low_credibility"] <= 1.0
    assert summary["verdict"].startswith("Low-credibility probability")
    assert summary["points"][0]["kind"] == "credibility"
    validate_report_dict(json.loads(report.to_json()))


@needs_data
def test_hyperpartisan_head_on_semeval_articles():
    from newssift.stop.hyperpartisan import HyperpartisanHead
    from newssift.stop.hyperpartisan_data import read_hyperpartisan

    items = read_hyperpartisan(DATA / "hyperpartisan-semeval2019" / "train")[:12]
    results = []
    for item in items:
        article = Article(text=item.text, title=item.title, language="en")
        article.sentences = regex_sentences(item.text)
        out = run(HyperpartisanHead, article).report.stop["hyperpartisan"]
        assert 0 <= out["score"] <= 1 and out["hyperpartisan"] == (out["score"] >= 0.5)
        for reason in out["reasons"]:
            assert reason["evidence"]
            for ref in reason["evidence"]:
                if "start" in ref:
                    assert article.text[ref["start"]:ref["end"]] == ref["text"]
        results.append((item.hyperpartisan, out["hyperpartisan"]))
    assert sum(g == p for g, p in results) >= 9  # training articles: the model must mostly agree


@needs_data
def test_evaluate_hyperpartisan_on_a_sample(tmp_path):
    from newssift.evaluation.hyperpartisan import evaluate

    src = DATA / "hyperpartisan-semeval2019" / "train"
    _xml_subset(src / "articles.xml", tmp_path / "articles.xml", 12)
    _xml_subset(src / "ground-truth.xml", tmp_path / "ground-truth.xml", 12)
    result = evaluate(tmp_path)
    assert set(result) >= {"accuracy", "f1", "precision", "recall"}
    assert result["articles"] == 12
    assert result["accuracy"] >= 0.7


@needs_data
def test_evaluate_stance_on_a_sample(tmp_path):
    import csv

    from newssift.evaluation.stance import evaluate

    src = DATA / "stance-fnc1" / "train"
    with open(src / "stances.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    keep_bodies = sorted({int(r["Body ID"]) for r in rows})[:8]
    chosen = [r for r in rows if int(r["Body ID"]) in keep_bodies]
    with open(src / "bodies.csv", encoding="utf-8", newline="") as fh:
        bodies = [r for r in csv.DictReader(fh) if int(r["Body ID"]) in keep_bodies]
    _write_csv(tmp_path / "stances.csv", ["Headline", "Body ID", "Stance"], chosen)
    _write_csv(tmp_path / "bodies.csv", ["Body ID", "articleBody"], bodies)
    result = evaluate(tmp_path)
    assert set(result) >= {"fnc_score", "macro_f1", "f1_agree", "f1_disagree", "f1_discuss", "f1_unrelated"}
    assert result["pairs"] == len(chosen)
    assert result["fnc_score"] > 60


@needs_data
def test_evaluate_credibility_on_a_sample(tmp_path):
    from newssift.credibility.corpora import read_corpora
    from newssift.evaluation.credibility import evaluate

    articles = [a for a in read_corpora(DATA) if a.corpus == "PolitiFact"]
    sample = articles[:15] + articles[-15:]
    path = tmp_path / "sample.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for a in sample:
            fh.write(json.dumps({"title": a.title, "text": a.text[:4000], "label": a.label}) + "\n")
        fh.write(json.dumps({"title": "Local Man Declares Himself Mayor", "text": "In a move that surprised no one, "
                             "a local man declared himself mayor of his own kitchen.", "label": "satire"}) + "\n")
    result = evaluate(path)
    assert set(result) >= {"roc_auc", "accuracy", "ece"}
    assert result["articles"] == 30 and result["satire_articles"] == 1
    assert 0 <= result["ece"] <= 1 and result["roc_auc"] > 0.6


def _resolve(data, path: str):
    node = data
    for part in path.replace("]", "").replace("[", ".").split("."):
        if isinstance(node, list):
            node = node[int(part)]
        else:
            node = node.get(part)
        if node is None:
            return None
    return node


def _xml_subset(src: Path, dst: Path, n: int) -> None:
    from lxml import etree

    tree = etree.parse(str(src), etree.XMLParser(huge_tree=True, recover=True))
    root = tree.getroot()
    for child in list(root)[n:]:
        root.remove(child)
    tree.write(str(dst), encoding="utf-8", xml_declaration=True)


def _write_csv(path: Path, fields, rows) -> None:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


@needs_data
def test_summary_probability_follows_the_outlet_rating():
    from newssift.stop.headline import HeadlineHead
    from newssift.summary import SummaryHead

    probabilities = {}
    for quality in (0.05, None, 0.95):
        article = example_article()
        report = Report(article=article)
        report.source.update({"domain": "example.org", "quality": quality, "label": "rated",
                              "ratings": [] if quality is None else
                              [{"list": "test list", "scale": "0-1", "value": quality, "quality": quality}]})
        run(HeadlineHead, article, report)
        run(SummaryHead, article, report)
        probabilities[quality] = report.summary["low_credibility"]
        assert report.summary["low_credibility_parts"]["source_used"] is (quality is not None)
        if quality is not None:
            source_point = next(p for p in report.summary["points"] if p["kind"] == "source")
            assert {"path": "source.ratings[0]"} in source_point["evidence"]
    assert probabilities[0.05] > probabilities[None] > probabilities[0.95]


@needs_data
def test_example_summary_tells_the_outlets_words_from_quoted_ones():
    """Technique spans inside a quote are the speaker's: the summary counts them apart, names the
    speakers, and splits the claims into the outlet's own and the quoted ones."""
    from newssift.ingest.reader import read_input
    from newssift.pipeline import Analyzer

    article = read_input(str(EXAMPLE))
    report = Analyzer(heads=["newssift.stop.propaganda:PropagandaHead", "newssift.claims.quotes:QuotesHead",
                             "newssift.claims.checkworthy:CheckworthyHead", "newssift.summary:SummaryHead"]
                      ).analyze(article)
    points = {p["kind"]: p for p in report.summary["points"]}
    techniques = points["techniques"]["text"]
    text = report.article.text
    quoted = [(q["content"]["start"], q["content"]["end"]) for q in report.claims["quotes"]]
    inside = [t for t in report.stop["techniques"]
              if any(s <= t["start"] and t["end"] <= e + 1 for s, e in quoted)]
    assert inside, "the example's Kremlin and Volodin quotes carry technique spans"
    # the quotes head marks them with their speaker (and spans mostly inside a quote); the outlet's
    # own spans, outside every quote, carry no speaker
    assert all(t.get("quoted_from") for t in inside)
    assert {t["quoted_from"] for t in inside} >= {"the Kremlin", "Vyacheslav Volodin"}
    marked = [t for t in report.stop["techniques"] if t.get("quoted_from")]
    for t in marked:
        covered = sum(max(0, min(t["end"], e) - max(t["start"], s)) for s, e in quoted)
        assert covered * 2 >= t["end"] - t["start"], t["text"]
    assert not [t for t in report.stop["techniques"] if not t.get("quoted_from")
                and any(s <= t["start"] and t["end"] <= e for s, e in quoted)]
    assert f"{len(marked)} technique spans are inside quotes from" in techniques
    assert "the Kremlin" in techniques and "Vyacheslav Volodin" in techniques
    # the outlet's own loaded words are quoted as examples, name-calling first; the Kremlin's
    # "pragmatic" is not one of them
    assert "In its own words the outlet uses loaded language" in techniques
    assert "(“his water boy”" in techniques
    assert "obliterate" in techniques and "pragmatic" not in techniques
    own = [c for c in report.claims["claims"] if c["attributed_to"] == "outlet"]
    claims = points["claims"]["text"]
    assert f"{len(own)} asserted by the outlet itself" in claims
    assert "most from the Kremlin (" in claims  # the most quoted speaker comes first
    for ref in points["techniques"]["evidence"]:
        if "start" in ref:
            assert text[ref["start"]:ref["end"]] == ref["text"]
