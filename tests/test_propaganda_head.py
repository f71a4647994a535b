"""The propaganda head on real text: the example article, the report schema, the evaluation path."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from newssift.article import Article
from newssift.models.ptc import TECHNIQUES, is_validation, load_corpus
from newssift.stop.propaganda import merge_same_technique, split_run, word_bounds

SHARED = Path(os.environ.get("NEWSSIFT_SHARED", Path(__file__).resolve().parents[2] / "shared"))
EXAMPLE = SHARED / "examples" / "theduran-2016-trump-putin.txt"
PTC = SHARED / "data" / "propaganda-ptc" / "train"


@pytest.fixture(scope="module")
def example_report():
    from newssift.pipeline import Analyzer

    from newssift.ingest.reader import read_input

    # read as `newssift analyze FILE` reads it: page chrome removed, headline apart from the body
    article = read_input(str(EXAMPLE))
    analyzer = Analyzer(heads=["newssift.stop.propaganda:PropagandaHead"])
    return analyzer.analyze(article)


def test_word_bounds_and_merging():
    text = "a pathetic attempt, really"
    assert word_bounds(text, 4, 15) == (2, 18)
    assert word_bounds(text, 1, 3) == (2, 10)
    quoted = 'the so-called "fix" was a stunt'
    assert word_bounds(quoted, quoted.index("-called"), quoted.index(" was")) == (4, quoted.index(" was"))
    assert word_bounds("a well-\nknown case", 2, 6) == (2, 6)  # a hyphen before a line break joins nothing
    spans = [{"start": 0, "end": 5, "technique": "Loaded_Language", "score": 0.5},
             {"start": 3, "end": 9, "technique": "Loaded_Language", "score": 0.7},
             {"start": 3, "end": 9, "technique": "Doubt", "score": 0.4}]
    merged = merge_same_technique(spans)
    assert {(d["start"], d["end"], d["technique"]) for d in merged} == {(0, 9, "Loaded_Language"), (3, 9, "Doubt")}
    assert max(d["score"] for d in merged if d["technique"] == "Loaded_Language") == 0.7


def test_a_technique_peak_carries_a_run_below_the_peak():
    """A run the "any technique" signal keeps below the peak is a span when its own technique's
    output reaches that technique's peak, and only then."""
    import numpy as np

    from newssift.models.encoder import EncodedText
    from newssift.stop.propaganda import decode_spans

    text = "and his water boy John Kerry said"
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    encoded = EncodedText(text, np.arange(len(words)), np.asarray(words), np.zeros((len(words), 384), np.float32))
    probs = np.zeros((len(words), len(TECHNIQUES) + 1), np.float32)
    nc = TECHNIQUES.index("Name_Calling,Labeling")
    probs[1:4, -1] = [0.25, 0.3, 0.3]  # "his water boy": above the threshold, below the peak
    probs[2:4, nc] = [0.6, 0.78]
    decoding = {"threshold": 0.2, "peak": 0.4, "gap": 1, "min_chars": 3}
    assert decode_spans(text, encoded, probs, decoding) == []
    found = decode_spans(text, encoded, probs, dict(decoding, technique_peaks={"Name_Calling,Labeling": 0.75}))
    assert [text[s:e] for s, e, _ in found] == ["his water boy"]
    assert decode_spans(text, encoded, probs, dict(decoding, technique_peaks={"Name_Calling,Labeling": 0.8})) == []
    assert decode_spans(text, encoded, probs, dict(decoding, technique_peaks={"Loaded_Language": 0.5})) == []


@pytest.mark.parametrize("phrase, core", [
    ("lame duck Obama", "lame duck"),
    ("his water boy John Kerry", "water boy"),
    ("pathetic attempt", "pathetic attempt"),
])
def test_example_article_phrases_are_flagged(example_report, phrase, core):
    """Each phrase carries a technique span on its insulting core words."""
    text = example_report.article.text
    start = text.index(phrase) + phrase.index(core)
    end = start + len(core)
    assert any(d["start"] < end and start < d["end"] for d in example_report.stop["techniques"]), \
        (phrase, [d["text"] for d in example_report.stop["techniques"]])


def test_example_report_is_valid(example_report):
    assert example_report.heads["propaganda"]["status"] == "ok", example_report.heads
    example_report.validate()
    spans = example_report.stop["techniques"]
    assert spans and all(d["technique"] in TECHNIQUES and 0 <= d["score"] <= 1 and d["explanation"] for d in spans)
    assert sum(example_report.stop["technique_counts"].values()) == len(spans)
    text = example_report.article.text
    for d in spans:  # spans start and end on word boundaries
        assert not (d["start"] > 0 and text[d["start"] - 1].isalnum() and text[d["start"]].isalnum())
        assert not (d["end"] < len(text) and text[d["end"]].isalnum() and text[d["end"] - 1].isalnum())


def test_classify_spans_ranks_every_technique():
    from newssift.stop.propaganda import classify_spans

    text = "The corrupt, lying media will never tell you the truth. Make America great again!"
    ranked = classify_spans(text, [(4, 24), (56, 81)])
    assert len(ranked) == 2 and all(sorted(r) == sorted(TECHNIQUES) for r in ranked)
    assert ranked[0][0] in ("Loaded_Language", "Name_Calling,Labeling")


def test_evaluate_on_three_validation_articles(tmp_path):
    from newssift.evaluation.propaganda import evaluate

    articles = [a for a in load_corpus(PTC) if is_validation(a.id)][:3]
    (tmp_path / "articles").mkdir()
    rows = []
    for a in articles:
        shutil.copy(PTC / "articles" / f"article{a.id}.txt", tmp_path / "articles")
        rows += [f"{a.id}\t{t}\t{s}\t{e}" for s, e, t in a.spans]
    (tmp_path / "labels-TC.tsv").write_text("\n".join(rows) + "\n")
    result = evaluate(tmp_path)
    assert result["articles"] == 3 and result["gold_rows"] == len(rows)
    for key in ("si_f1", "si_precision", "si_recall", "tc_micro_f1", "full_f1"):
        assert 0.0 <= result[key] <= 1.0
    assert result["si_f1"] > 0.15 and result["tc_micro_f1"] > 0.3


def test_conv_tagger_numpy_forward_matches_torch():
    """The runtime numpy pass of the convolutional tagger computes what the torch net trained."""
    torch = pytest.importorskip("torch")
    import numpy as np

    from newssift.models import propaganda_tagger as conv
    from newssift.stop.propaganda import conv_tagger_forward

    torch.manual_seed(0)
    net = conv._net(conv.CONFIG, len(TECHNIQUES) + 1).eval()
    x = np.random.default_rng(0).normal(size=(40, 384)).astype(np.float32)
    with torch.no_grad():
        expected = torch.sigmoid(net(torch.from_numpy(x)[None], torch.ones(1, 40))[0]).numpy()
    assert np.abs(conv_tagger_forward(conv.to_numpy(net), x) - expected).max() < 1e-5


def test_shipped_spans_pass_the_rescorer(example_report):
    """Every reported span cleared the re-scorer's keep threshold (its probability is the score)."""
    from newssift.stop.propaganda import load_model

    model = load_model(check_encoder=False)
    keep = float(model.decoding.get("keep", 0.0))
    assert all(d["score"] >= keep - 1e-4 for d in example_report.stop["techniques"])
    assert len(model.taggers) >= 1


def test_long_runs_split_at_a_deep_dip_only():
    import numpy as np

    # two techniques side by side: a dip to 0.2 between peaks of 0.9
    p = np.array([0.9] * 10 + [0.2] + [0.9] * 10)
    run = list(range(len(p)))
    parts = split_run(p, run, max_len=16, depth=0.7)
    assert parts == [list(range(10)), list(range(11, 21))]
    # a shallow dip, or a run short enough, stays whole
    assert split_run(np.array([0.9] * 10 + [0.8] + [0.9] * 10), run, 16, 0.7) == [run]
    assert split_run(p, run, max_len=30, depth=0.7) == [run]


def test_the_head_reads_the_encoders_lower_layer_states():
    """The technique classifier pools the layer-3 states the encoder pass returns, and a tagger trained
    on them refuses an encoding without them instead of scoring garbage."""
    import numpy as np

    from newssift.models.encoder import EncodedText, get_encoder
    from newssift.stop.propaganda import load_model

    model = load_model()
    text = "This pathetic attempt by the lame duck president to rebrand terrorists will fail."
    encoded = get_encoder().encode(text)
    assert encoded.lower_states is not None and encoded.lower_states.shape == encoded.token_states.shape
    assert not np.allclose(encoded.lower_states, encoded.token_states)
    assert model.lower  # the shipped classifier pools the lower states
    spans = [(5, 21)]  # "pathetic attempt"
    with_lower = model.technique_probs(text, encoded, model.token_probs(encoded), spans)
    assert with_lower.shape == (1, len(TECHNIQUES)) and abs(float(with_lower.sum()) - 1.0) < 1e-4
    bare = EncodedText(text, encoded.token_ids, encoded.token_offsets, encoded.token_states)
    if model.tagger["W1"].shape[1] > 3 * 384:
        with pytest.raises(ValueError, match="lower-layer states"):
            model.token_probs(bare)
    with pytest.raises(ValueError, match="lower-layer states"):
        model.technique_probs(text, bare, model.token_probs(encoded), spans)
