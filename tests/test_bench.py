"""`newssift bench`: the figures other programs read (JSON keys), on a few real PTC articles.

Speed itself is a benchmark figure (BENCHMARKS.md), never asserted here.
"""

from __future__ import annotations

import json

from tests.conftest import run_cli


def test_bench_json_has_the_documented_keys(data_dir):
    corpus = data_dir / "propaganda-ptc" / "train" / "articles"
    result = run_cli("bench", "--corpus", str(corpus), "-n", "3", "--rounds", "2", "--format", "json", timeout=600)
    assert result.returncode == 0, result.stderr.decode()
    out = json.loads(result.stdout)
    assert out["articles"] == 3 and out["rounds"] == 2 and len(out["per_round"]) == 2
    for key in ("articles_per_second", "encoder_articles_per_second", "ratio", "peak_rss_mb"):
        assert isinstance(out[key], (int, float)) and out[key] > 0, key
    assert abs(out["ratio"] - out["articles_per_second"] / out["encoder_articles_per_second"]) < 0.2
    stages = out["stages_seconds_per_article"]
    for stage in ("encoder", "nlp", "propaganda", "quotes", "checkworthy"):
        assert stages[stage] > 0, stage


def test_bench_rejects_a_folder_without_articles(tmp_path):
    result = run_cli("bench", "--corpus", str(tmp_path), "--format", "json")
    assert result.returncode != 0
    assert "No .txt articles" in result.stderr.decode()
