"""Quote attribution: the scorer on hand-made cases, the extractor and speakers on real text."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from newssift.evaluation.quotes import evaluate, is_direct, new_tallies, score_document, summarise

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "quotes-polnear"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/quotes-polnear")
EXAMPLE = Path(__file__).resolve().parents[2] / "shared" / "examples" / "theduran-2016-trump-putin.txt"
if not EXAMPLE.exists():
    EXAMPLE = Path("/work/shared/examples/theduran-2016-trump-putin.txt")


def att(text, content, source=None):
    """An attribution over `text`, located by the strings of its content and source."""
    start = text.index(content)
    spans = [(start, start + len(content))]
    src = []
    if source:
        s = text.index(source)
        src = [(s, s + len(source))]
    return SimpleNamespace(content=spans, source=src)


TEXT = ('“We will win,” Smith said. The mayor said that taxes would rise next year. '
        'According to the report, crime fell sharply in the city.')


def score(gold, pred, text=TEXT):
    tallies = new_tallies()
    score_document(text, gold, pred, tallies)
    return summarise(tallies)


def test_perfect_prediction_scores_one():
    gold = [att(TEXT, "“We will win,”", "Smith"), att(TEXT, "that taxes would rise next year", "The mayor")]
    result = score(gold, gold)
    assert result["content_f1"] == 1.0 and result["source_accuracy"] == 1.0 and result["end_to_end_f1"] == 1.0
    assert result["direct_n_gold"] == 1 and result["indirect_n_gold"] == 1


def test_partial_content_matches_at_half_iou_only():
    gold = [att(TEXT, "that taxes would rise next year", "The mayor")]  # 6 tokens
    # 3 of 6 tokens: IoU 0.5, a match; 2 of 6: no match
    assert score(gold, [att(TEXT, "that taxes would", "The mayor")])["content_f1"] == 1.0
    no = score(gold, [att(TEXT, "that taxes", "The mayor")])
    assert no["content_f1"] == 0.0 and no["content_precision"] == 0.0 and no["content_recall"] == 0.0


def test_wrong_speaker_counts_for_content_not_end_to_end():
    gold = [att(TEXT, "that taxes would rise next year", "The mayor")]
    result = score(gold, [att(TEXT, "that taxes would rise next year", "Smith")])
    assert result["content_f1"] == 1.0
    assert result["source_accuracy"] == 0.0 and result["end_to_end_f1"] == 0.0


def test_gold_without_source_needs_no_speaker_and_matching_is_one_to_one():
    gold = [att(TEXT, "crime fell sharply in the city")]
    twice = [att(TEXT, "crime fell sharply in the city"), att(TEXT, "crime fell sharply in the city")]
    result = score(gold, twice)
    assert result["source_accuracy"] == 1.0
    assert result["content_recall"] == 1.0 and result["content_precision"] == 0.5
    assert result["indirect_content_f1"] == pytest.approx(2 / 3, abs=1e-3)


def test_direct_means_inside_quotation_marks():
    text = '“We will win,” Smith said, adding that "the polls are wrong today."'
    assert is_direct(text, [(0, 14)])
    assert is_direct(text, [(1, 12)])  # marks just around the span
    assert not is_direct(text, [(text.index("that"), len(text) - 1)])


@pytest.fixture(scope="module")
def example_quotes():
    from newssift.article import Article
    from newssift.pipeline import Analyzer

    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.split("0 0 vote")[0].strip()  # the page chrome after the article body
    report = Analyzer(heads=["newssift.claims.quotes:QuotesHead"]).analyze(Article(text=text))
    return text, report


def _speaker_of(quotes, words):
    found = [q for q in quotes if words in q["content"]["text"]]
    assert found, f"no quote contains {words!r}"
    return found[0]


def test_example_article_speakers(example_quotes):
    text, report = example_quotes
    quotes = report.claims["quotes"]
    for q in quotes:
        for key in ("content", "cue", "speaker_span"):
            if q[key] is not None:
                assert text[q[key]["start"]:q[key]["end"]] == q[key]["text"]
    volodin = _speaker_of(quotes, "Putin and Trump have numerous common points and shared views")
    assert volodin["speaker"] == "Vyacheslav Volodin" and volodin["speaker_type"] == "person"
    assert volodin["direct"] and volodin["cue"]["text"] == "said"
    duma = _speaker_of(quotes, "If Trump brings his promises to life")
    assert duma["speaker"] == "Vyacheslav Volodin" and duma["speaker_span"]["text"] == "the Duma speaker"
    kremlin = [q for q in quotes if q["speaker"] and "Kremlin" in q["speaker"]]
    assert len(kremlin) >= 3 and all(q["speaker_type"] == "organisation" for q in kremlin)
    uniting = [q for q in kremlin if "uniting efforts in the fight" in q["content"]["text"]]
    assert uniting
    # the parse runs "said"'s clause back across two paragraph breaks; the content must not
    assert not any("\n" in q["content"]["text"] for q in uniting)
    # a quotation in a paragraph of its own, announced by "In a statement from the Kremlin…"
    announced = _speaker_of(quotes, "The importance of creating a solid basis")
    assert announced["speaker"] == "the Kremlin" and announced["direct"]
    team = _speaker_of(quotes, "very much looking forward to having a strong")
    assert team["speaker"] == "Trump’s team" and team["speaker_span"]["text"] == "the statement"
    he = _speaker_of(quotes, "outgoing President Barack Obama had ignored")
    assert he["speaker"] == "Vyacheslav Volodin" and he["speaker_span"]["text"] == "He"


def test_example_report_is_valid_and_shared(example_quotes):
    _, report = example_quotes
    assert report.heads["quotes"]["status"] == "ok", report.heads["quotes"]
    report.validate()


def test_scorer_on_dev_articles_learned_beats_rules():
    few = dict(limit=4)
    learned = evaluate(DATA / "dev", **few)
    rules = evaluate(DATA / "dev", baseline=True, **few)
    assert learned["n_articles"] == 4 and learned["n_gold"] > 20
    assert 0.5 <= learned["content_f1"] <= 1.0 and learned["source_accuracy"] >= 0.7
    assert learned["content_recall"] > rules["content_recall"]


def test_brat_files_and_jsonl_give_the_same_gold():
    from newssift.claims.polnear import load_split

    norm = lambda docs: sorted(repr((d.name, [tuple(s) for s in a.content], [tuple(s) for s in a.source],
                                     [tuple(s) for s in a.cue])) for d in docs for a in d.attributions)
    from_jsonl, from_brat = load_split(DATA / "dev"), load_split(DATA / "dev", use_jsonl=False)
    assert len(norm(from_jsonl)) == 2192
    assert norm(from_jsonl) == norm(from_brat)
    doc = next(d for d in from_brat if d.name.startswith("politico_2016-09-22_house-panel"))
    assert any(len(a.content) == 2 for a in doc.attributions)  # "Content2": a content in two pieces


def test_candidates_include_object_with_complement_and_clipped_clause():
    from newssift.claims.quote_structure import ParsedArticle, content_candidates
    from newssift.nlp import get_nlp

    nlp = get_nlp()
    doc = nlp("As for Mr. Bloomberg, Forbes put his net worth at $45 billion.")
    article = ParsedArticle(doc)
    put = next(t for t in doc if t.text == "put")
    texts = {c.kind: doc.text[c.spans[0][0]:c.spans[-1][1]] for c in content_candidates(article, put)}
    assert texts.get("right") == "his net worth at $45 billion"

    doc = nlp("Clark said Brooks had begun making calls to committee members - there are two from each "
              "district - but said the outcome was still up in the air.")
    said = doc[1]
    texts = {c.kind: doc.text[c.spans[0][0]:c.spans[-1][1]] for c in content_candidates(ParsedArticle(doc), said)}
    assert "Brooks had begun making calls to committee members" in texts.values()


def test_parse_vectors_feed_the_models_and_survive_the_parse_cache(tmp_path):
    import shutil

    import numpy as np

    from newssift.claims.polnear import parsed_split
    from newssift.claims.quote_extraction import (ARTEFACT_DIR, MODEL_FILE, LearnedExtractor, cue_slots,
                                                  slots_vector, token_tensor)
    from newssift.nlp import get_nlp

    split = tmp_path / "dev"
    (split / "text").mkdir(parents=True)
    (split / "attributions").mkdir()
    names = sorted(p.stem for p in (DATA / "dev" / "text").glob("*.txt"))[:2]
    for name in names:
        shutil.copy(DATA / "dev" / "text" / f"{name}.txt", split / "text")
        for ann in (DATA / "dev" / "attributions").glob(f"{name}_*.ann"):
            shutil.copy(ann, split / "attributions")
    fresh = parsed_split(split, tmp_path / "cache")
    cached = parsed_split(split, tmp_path / "cache")  # read back from the DocBin + tensor cache
    for (_, a), (_, b) in zip(fresh, cached):
        assert b.tensor.shape == a.tensor.shape and b.tensor.shape[1] > 0
        assert np.allclose(a.tensor, b.tensor, atol=1e-2)
    doc = cached[0][1]
    assert token_tensor(doc).any()
    bare = get_nlp().make_doc("He said so.")  # no parse: no vectors, zeros instead of a crash
    assert not token_tensor(bare).any()
    model = LearnedExtractor.load(ARTEFACT_DIR / MODEL_FILE)
    verb = next(t for t in doc if t.pos_ == "VERB")
    assert model.cue_model.dense is not None and len(model.cue_model.dense) == len(slots_vector(token_tensor(doc), cue_slots(verb)))


def test_selection_model_ranks_the_best_candidate_of_each_cue():
    import numpy as np

    from newssift.claims.train_quotes import fit_selection

    # three candidates a cue: the "ccomp" one is the gold content (IoU 1.0), "dobj" overlaps it
    # (IoU 0.6, a match too, but not the best: trained as a wrong choice), "sentence" does not;
    # a cue with no right candidate teaches nothing
    zero = np.zeros(4, dtype=np.float32)
    x, groups, ious = [], [], []
    for cue in range(30):
        for kind, iou in (("sentence", 0.2), ("dobj", 0.6), ("ccomp", 1.0)):
            x.append(([f"kind={kind}", f"cue={cue % 3}"], zero))
            groups.append(cue)
            ious.append(iou)
    x.append((["kind=sentence"], zero)); groups.append(99); ious.append(0.1)
    x.append((["kind=dobj"], zero)); groups.append(99); ious.append(0.0)
    model = fit_selection(x, groups, ious, c=1.0)
    score = lambda kind: model.score([f"kind={kind}", "cue=1"])
    assert score("ccomp") > max(score("dobj"), score("sentence")) + 1
    assert model.bias == 0.0 and len(model.dense) == 4


def test_shipped_model_selects_contents_with_a_ranking_model():
    from newssift.claims.quote_extraction import ARTEFACT_DIR, MODEL_FILE, LearnedExtractor

    model = LearnedExtractor.load(ARTEFACT_DIR / MODEL_FILE)
    assert model.selection_model is not None and model.selection_model.weights
    assert 0 < model.cue_model.threshold < 1 and 0 <= model.content_model.threshold < 1
