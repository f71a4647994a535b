"""HTML extraction on the shared Zyte pages, scored as `newssift evaluate extraction` scores it."""

import json

import pytest

from newssift.evaluation.extraction import evaluate, page_scores
from tests.conftest import run_cli


def test_page_scores_hand_computed():
    # extracted tokens: a a b c ; gold: a b b d  -> common = a(1) + b(1) = 2
    precision, recall, f1 = page_scores("A a, b c", "a b B d")
    assert precision == pytest.approx(2 / 4)
    assert recall == pytest.approx(2 / 4)
    assert f1 == pytest.approx(0.5)
    assert page_scores("", "") == (1.0, 1.0, 1.0)
    assert page_scores("x", "")[0] == 0.0


def test_ingest_beats_trafilatura_defaults_on_shared_pages(data_dir):
    path = data_dir / "extraction-zyte" / "train"
    ours = evaluate(path)
    theirs = evaluate(path, baseline=True)
    assert ours["pages"] == theirs["pages"] == 40
    assert ours["f1"] >= 0.965, ours
    assert ours["f1"] > theirs["f1"], (ours, theirs)
    assert ours["recall"] >= 0.97, ours  # precision is won without losing the story


def test_evaluate_command_prints_json(data_dir, tmp_path):
    # a two-page copy of the layout keeps the command test quick
    src = data_dir / "extraction-zyte" / "train"
    truth = json.loads((src / "ground-truth.json").read_text())
    keys = sorted(truth)[:2]
    (tmp_path / "html").mkdir()
    for key in keys:
        (tmp_path / "html" / f"{key}.html.gz").write_bytes((src / "html" / f"{key}.html.gz").read_bytes())
    (tmp_path / "ground-truth.json").write_text(json.dumps({k: truth[k] for k in keys}))
    result = run_cli("evaluate", "extraction", str(tmp_path))
    assert result.returncode == 0, result.stderr.decode()
    metrics = json.loads(result.stdout)
    assert set(metrics) >= {"precision", "recall", "f1"} and metrics["pages"] == 2


def test_evaluate_on_a_wrong_folder_is_a_clear_error(tmp_path):
    result = run_cli("evaluate", "extraction", str(tmp_path))
    assert result.returncode != 0
    assert b"missing html, ground-truth.json" in result.stderr
