"""Check-worthiness: metrics on hand-computed cases, the data readers, the trained head on real text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from newssift.claims.checkworthy_metrics import (average_precision, best_f1_threshold, binary_scores,
                                                 clef_scores, precision_at, r_precision)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if not DATA.is_dir():
    DATA = Path("/work/shared/data")
EXAMPLE = DATA.parent / "examples" / "theduran-2016-trump-putin.txt"


# -- metrics, computed by hand ----------------------------------------------------------------------
def test_binary_scores_hand_computed():
    # gold positives: 0, 2, 3; predicted: 0, 1, 2  -> tp 2, fp 1, fn 1
    scores = binary_scores([1, 0, 1, 1, 0], [1, 1, 1, 0, 0])
    assert scores["precision"] == pytest.approx(2 / 3)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["f1"] == pytest.approx(2 / 3)
    assert binary_scores([0, 0], [0, 0]) == {"f1": 0.0, "precision": 0.0, "recall": 0.0}


def test_average_precision_hand_computed():
    # ranking by score: d(1) a(0) c(1) b(0) e(1): hits at ranks 1, 3, 5 -> (1 + 2/3 + 3/5) / 3
    gold = [0, 0, 1, 1, 1]
    scores = [0.8, 0.2, 0.5, 0.9, 0.1]
    assert average_precision(gold, scores) == pytest.approx((1 + 2 / 3 + 3 / 5) / 3)
    # R = 3: top 3 holds d, a, c -> 2 of 3
    assert r_precision(gold, scores) == pytest.approx(2 / 3)
    # P@10 divides by 10 even when the debate is shorter (as the CLEF scorer does)
    assert precision_at(gold, scores, 10) == pytest.approx(3 / 10)
    assert precision_at(gold, scores, 1) == 1.0
    assert average_precision([0, 0], [0.3, 0.1]) == 0.0


def test_ties_keep_line_order():
    # equal scores: the earlier line ranks first
    assert average_precision([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    assert average_precision([1, 0], [0.5, 0.5]) == pytest.approx(1.0)


def test_clef_scores_average_over_debates():
    result = clef_scores({"a": ([1, 0], [0.9, 0.1]), "b": ([0, 1], [0.9, 0.1])})
    assert result["map"] == pytest.approx((1.0 + 0.5) / 2)
    assert result["r_precision"] == pytest.approx((1.0 + 0.0) / 2)
    assert result["p_at_10"] == pytest.approx(0.1)
    assert result["debates"] == 2


def test_best_f1_threshold():
    gold = [1, 1, 0, 1, 0, 0]
    probability = [0.9, 0.8, 0.7, 0.6, 0.2, 0.1]
    threshold, f1 = best_f1_threshold(gold, probability)
    # cutting at 0.6 predicts 4 positives with 3 right: F1 = 6/7, better than 0.8 (2 right: 0.8)
    assert threshold == pytest.approx(0.6)
    assert f1 == pytest.approx(6 / 7)
    assert binary_scores(gold, np.array(probability) >= threshold)["f1"] == pytest.approx(f1)


# -- data readers -----------------------------------------------------------------------------------
def test_claimbuster_reader_counts():
    from newssift.claims.checkworthy_data import read_claimbuster_csv

    rows = read_claimbuster_csv(DATA / "checkworthy-claimbuster" / "crowdsourced.csv")
    assert len(rows) == 22501
    assert sum(r.label for r in rows) == sum(r.verdict == 1 for r in rows) == 5413
    assert len({r.group for r in rows}) == 33


def test_clef_training_has_each_debate_once():
    from newssift.claims.checkworthy_data import read_clef_training

    debates = read_clef_training(DATA / "checkworthy-clef")
    names = set(debates)
    # the 2016 first presidential debate ships in both years: only the relabelled 2020 copy stays
    assert "clef2020/20160926_1pres" in names and "clef2019/20160926_1pres" not in names
    # renamed and re-split duplicates go too (same debate as clef2020/20170216_Trump_press_conference)
    assert "clef2019/20170216_trump_press" not in names
    assert "clef2019/20180926_un_press" in names  # a 2019-only debate stays
    assert len(debates) == 56
    assert all(r.group == name for name, rows in debates.items() for r in rows[:3])


# -- attribution of claims to quotes ----------------------------------------------------------------
def test_claim_inside_a_quote_belongs_to_the_speaker():
    from newssift.claims.checkworthy import quote_for_sentence

    text = EXAMPLE.read_text(encoding="utf-8")
    quoted = "Putin and Trump have numerous common points and shared views"
    sentence_start = text.index("“Putin and Trump have numerous")
    sentence_end = text.index("Volodin said.", sentence_start) + len("Volodin said.")
    content_start = text.index(quoted)
    quote = {"content": {"start": content_start, "end": content_start + len(quoted), "text": quoted},
             "speaker": "Vyacheslav Volodin"}
    assert quote_for_sentence(sentence_start, sentence_end, [quote])["speaker"] == "Vyacheslav Volodin"
    # a sentence elsewhere in the article is not the speaker's
    other = text.index("The president and the president-elect agreed")
    assert quote_for_sentence(other, other + 80, [quote]) is None
