"""The report's JSON: schema-valid, versioned, every span's text equal to its slice."""

import json

import jsonschema
import pytest

from newssift.article import Article, span_dict
from newssift.ingest import read_input
from newssift.pipeline import Analyzer
from newssift.report import Report, report_schema, validate_report_dict
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def example_report(example_path):
    return Analyzer().analyze(read_input(str(example_path)))


def test_schema_is_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(report_schema())


def test_example_report_validates(example_report):
    data = example_report.to_dict()
    validate_report_dict(data)
    assert data["version"] == "1.0"
    assert data["article"]["title"] == "CONFIRMED: Trump and Putin will work together to destroy ISIS!"
    for name in ("stop", "source", "coverage", "claims"):
        assert data[name]["status"] in ("ok", "partial", "not_run", "not_built", "unavailable", "unsupported_language",
                                        "error")
        if data[name]["status"] != "ok":
            assert data[name]["messages"], name  # a section that did not run says why


def test_sentences_are_within_the_text(example_report):
    text = example_report.article.text
    assert example_report.article.sentences
    for start, end in example_report.article.sentences:
        assert 0 <= start < end <= len(text)
        assert text[start:end].strip() == text[start:end]


def test_round_trip(example_report):
    again = Report.from_dict(json.loads(example_report.to_json()))
    assert again.to_dict()["article"] == example_report.to_dict()["article"]


def test_a_wrong_span_is_caught(example_report):
    data = example_report.to_dict()
    data["stop"]["techniques"] = [{"start": 0, "end": 5, "text": "wrong", "technique": "Doubt", "score": 0.5}]
    with pytest.raises(ValueError):
        validate_report_dict(data)
    data["stop"]["techniques"] = [{"start": 0, "end": 5, "text": data["article"]["text"][:5],
                                   "technique": "Not_A_Technique", "score": 0.5}]
    with pytest.raises(jsonschema.ValidationError):
        validate_report_dict(data)


def test_span_dict_refuses_out_of_range():
    with pytest.raises(ValueError):
        span_dict("abc", 2, 9)
    assert span_dict("abcdef", 1, 3, label="x") == {"start": 1, "end": 3, "text": "bc", "label": "x"}


def test_non_english_article_says_which_heads_do_not_support_it():
    article = Article(text="Le conseil municipal a voté lundi pour remplacer les plus vieilles conduites d'eau "
                           "dans les trois prochaines années, a annoncé la ville dans un communiqué.")
    report = Analyzer().analyze(article)
    assert report.article.language == "fr"
    statuses = {h["status"] for h in report.heads.values()}
    assert "unsupported_language" in statuses or statuses <= {"not_built", "unavailable", "ok"}


def test_cli_json_output(example_path):
    result = run_cli("analyze", str(example_path), "--format", "json")
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    validate_report_dict(data)
    for obj in data["stop"]["techniques"] + data["claims"]["claims"]:
        assert data["article"]["text"][obj["start"]:obj["end"]] == obj["text"]


def test_cli_heads_runs_only_the_named_analyses(example_path):
    result = run_cli("analyze", str(example_path), "--format", "json", "--heads", "propaganda,quotes")
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    assert set(data["heads"]) == {"propaganda", "quotes"}
    assert data["source"]["status"] == data["coverage"]["status"] == "not_run"
    assert data["stop"]["status"] == "ok"  # the stop heads that ran succeeded
    assert data["stop"]["techniques"] and data["claims"]["quotes"] and not data["claims"]["claims"]
    bad = run_cli("analyze", str(example_path), "--heads", "propaganda,stance")
    assert bad.returncode != 0 and b"Unknown head(s): stance" in bad.stderr


def test_cli_text_output_has_all_four_sections(example_path, tmp_path):
    out = tmp_path / "report.txt"
    result = run_cli("analyze", str(example_path), "--out", str(out))
    assert result.returncode == 0, result.stderr.decode()
    text = out.read_text()
    for title in ("Stop:", "Investigate the source:", "Find better coverage:", "Trace claims:"):
        assert title in text
    assert "lame duck Obama" in text


def test_help_teaches():
    result = run_cli("analyze", "--help")
    assert result.returncode == 0
    assert b"Examples" in result.stdout and b"--url" in result.stdout
