"""The stance model's claim-disjoint folds on FNC-1, its features, and the headline head's encoder variant."""

import numpy as np
import pytest

from newssift.article import Article
from newssift.head import Context, Doc
from newssift.nlp import regex_sentences
from newssift.report import Report

from tests.conftest import DATA

needs_data = pytest.mark.skipif(not (DATA / "stance-fnc1" / "train").is_dir(), reason="the public data sets are not here")


@pytest.fixture(scope="module")
def fnc_pairs():
    from newssift.stop.stance_data import read_fnc

    return read_fnc(DATA / "stance-fnc1" / "train")[1]


@needs_data
def test_claim_folds_share_no_headline_or_body_with_training(fnc_pairs):
    from newssift.stop.stance_model import claim_split

    tested = np.zeros(len(fnc_pairs), int)
    for fold in range(5):
        train, test = claim_split(fnc_pairs, folds=5, fold=fold)
        assert not (train & test).any() and test.sum() > 1000
        train_heads = {fnc_pairs[i][0] for i in np.flatnonzero(train)}
        train_bodies = {fnc_pairs[i][1] for i in np.flatnonzero(train)}
        assert not any(fnc_pairs[i][0] in train_heads or fnc_pairs[i][1] in train_bodies for i in np.flatnonzero(test))
        tested += test
    assert tested.max() == 1  # every pair is tested at most once across the folds
    again = claim_split(fnc_pairs, folds=5, fold=2)
    assert (again[1] == claim_split(list(fnc_pairs), folds=5, fold=2)[1]).all()  # reproducible


@needs_data
def test_related_pairs_never_cross_claim_groups(fnc_pairs):
    from newssift.stop.stance_model import claim_groups

    groups = claim_groups(fnc_pairs)
    related = [g for g, (_, _, s) in zip(groups, fnc_pairs) if s != "unrelated"]
    assert all(h == b for h, b in related)
    assert len({g for pair in groups for g in pair}) > 150  # 191 groups: stories, and bodies related to none


def test_close_cues_see_a_denial_next_to_the_headline_words():
    from newssift.stop.stance_features import CLOSE_FEATURES, StanceFeaturizer

    body = ("The White House said on Monday that the president is in good health. "
            "Officials denied reports that the president had been taken to hospital, calling them false. "
            "The weather in Washington was mild.")
    featurizer = StanceFeaturizer().fit([body, "President taken to hospital", "Mild weather in Washington"])
    state = featurizer.body(body, regex_sentences(body))
    cues = dict(zip(CLOSE_FEATURES, featurizer.close_cues(
        featurizer.headline("President taken to hospital"), state,
        (state.sentence_tfidf @ featurizer.headline("President taken to hospital").tfidf.T).toarray().ravel())))
    assert cues["near_refute"] >= 2  # denied, false
    assert cues["top3_reporting"] >= 1  # said


@needs_data
def test_the_shipped_model_takes_the_featurizers_columns():
    from newssift.stop.headline import load_artefact

    artefact = load_artefact()
    for model in artefact["models"].values():
        assert model.stage_one.n_features_in_ == len(model.feature_names)


def test_related_weights_move_only_the_related_choice():
    from newssift.stop.stance_model import StanceModel

    model = StanceModel(None, False)
    row = np.array([0.30, 0.20, 0.25, 0.25])  # related (P(unrelated) < 0.5), agree most likely
    assert model.label(row) == "agree"
    model.related_weights = (1.0, 2.0, 1.0)
    assert model.label(row) == "disagree"  # 0.40 beats 0.30 and 0.25
    assert model.label(np.array([0.1, 0.3, 0.05, 0.55])) == "unrelated"  # weights never make a pair related


@needs_data
def test_the_shipped_model_records_the_weights_chosen_on_unseen_stories():
    import json

    from newssift.stop.headline import load_artefact
    from newssift.stop.stance_model import ARTEFACT_DIR, RELATED_WEIGHT_GRID

    metrics = json.loads((ARTEFACT_DIR / "metrics.json").read_text())
    shipped = metrics["shipped"]
    chosen = metrics["claim_disjoint"][shipped]["related_weights"]
    assert tuple(chosen) in RELATED_WEIGHT_GRID
    assert tuple(load_artefact()["models"][shipped].related_weights) == tuple(chosen)


@needs_data
def test_headline_head_uses_the_encoder_variant_from_the_articles_own_pass():
    from newssift.stop.headline import HeadlineHead, load_artefact

    if "text+encoder" not in load_artefact()["models"]:
        pytest.skip("this build ships the text variant only")
    from newssift.models.encoder import get_encoder

    encoder = get_encoder()  # the artefact names the encoder it was trained on: a missing one is a failure
    body = ("The city council approved a new budget on Tuesday. The budget raises spending on schools by 4 percent. "
            "Council members voted 7 to 2 in favour after a short debate.")
    title = "City council approves new budget"
    article = Article(text=body, title=title, language="en")
    article.sentences = regex_sentences(body)
    head = HeadlineHead(Context())
    head.load()
    assert head.encoder is not None, "the artefact's encoder fingerprint differs from the shared encoder's"
    doc = Doc(article, Report(article=article), head.context)
    doc.encoded = encoder.encode(body)
    doc.title_embedding = encoder.embed_sentences([title])[0]
    head(doc)
    result = doc.report.stop["headline"]
    assert result["model"] == "text+encoder"
    assert result["stance"] == "agree"
    assert 0.5 < result["closest_sentence"]["embedding_similarity"] <= 1.0
