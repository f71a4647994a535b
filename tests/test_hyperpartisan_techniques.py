"""The hyperpartisan model's technique block: the share of tokens the propaganda tagger marks per
technique (and, for comparison, the density of decoded spans), and the head using it on real text with
the shared encoder."""

import numpy as np
import pytest

from newssift.article import Article
from newssift.head import Context, Doc
from newssift.nlp import regex_sentences
from newssift.report import Report
from newssift.stop.technique_density import SPAN_FEATURES, TECHNIQUE_FEATURES, technique_token_shares, technique_vector

from tests.conftest import DATA, EXAMPLE


def test_technique_vector_counts_per_sentence_and_loaded_sentences():
    text = "They are traitors. The vote was held on Monday. What a disgraceful, shameful sham."
    sentences = regex_sentences(text)
    assert len(sentences) == 3
    spans = [
        {"start": text.index("traitors"), "end": text.index("traitors") + 8, "technique": "Name_Calling,Labeling"},
        {"start": text.index("disgraceful"), "end": text.index("sham") + 4, "technique": "Loaded_Language"},
        {"start": text.index("shameful"), "end": text.index("shameful") + 8, "technique": "Loaded_Language"},
    ]
    v = dict(zip(SPAN_FEATURES, technique_vector(text, sentences, spans)))
    assert v["Loaded_Language_per_sentence"] == pytest.approx(2 / 3)
    assert v["Name_Calling,Labeling_per_sentence"] == pytest.approx(1 / 3)
    assert v["Doubt_per_sentence"] == 0
    assert v["techniques_per_sentence"] == pytest.approx(1.0)
    assert v["loaded_sentence_share"] == pytest.approx(2 / 3)  # the first and the third sentence
    assert v["technique_char_share"] == pytest.approx(sum(s["end"] - s["start"] for s in spans) / len(text))
    assert not technique_vector(text, sentences, []).any()


def test_token_shares_count_tokens_at_or_above_the_threshold_per_technique():
    probs = np.zeros((4, 15), np.float32)
    probs[:, -1] = [0.1, 0.3, 0.5, 0.9]  # any technique
    probs[0, 8] = 0.6  # Loaded_Language on one token of four
    v = dict(zip(TECHNIQUE_FEATURES, technique_token_shares(probs)))
    assert len(v) == 15
    assert v["any_technique_token_share"] == pytest.approx(0.75)
    assert v["Loaded_Language_token_share"] == pytest.approx(0.25)
    assert v["Doubt_token_share"] == 0
    assert not technique_token_shares(np.zeros((0, 15), np.float32)).any()


def _example_article() -> Article:
    lines = [line.strip() for line in EXAMPLE.read_text("utf-8").splitlines()]
    title_at = next(i for i, line in enumerate(lines[1:], 1) if line)
    body = "\n".join(lines[title_at + 1:]).strip()
    article = Article(text=body, title=lines[title_at], language="en")
    article.sentences = regex_sentences(body)
    return article


@pytest.mark.skipif(not EXAMPLE.exists() or not DATA.exists(), reason="the shared example is not here")
def test_head_uses_the_technique_block_with_the_encoder_and_the_propaganda_spans():
    from newssift.models.encoder import get_encoder
    from newssift.stop.hyperpartisan import HyperpartisanHead
    from newssift.stop.propaganda import PropagandaHead

    head = HyperpartisanHead(Context())
    head.load()
    if not head.uses_techniques:
        pytest.skip("the shared encoder or the propaganda model differs from the ones the artefact was trained on")
    article = _example_article()
    encoded = get_encoder().encode_batch([article.text])[0]

    alone = Doc(article, Report(article=article), head.context)
    alone.encoded = encoded
    head(alone)
    result = alone.report.stop["hyperpartisan"]
    assert result["model"] == "words+encoder+techniques+style"
    assert set(result["components"]) == {"words", "encoder", "techniques", "style"}

    # in the pipeline the propaganda head runs first: its token probabilities give the same input, so
    # the same score
    piped = Doc(article, Report(article=article), head.context)
    piped.encoded = encoded
    propaganda = PropagandaHead(Context())
    propaganda.load()
    propaganda(piped)
    assert piped.shared["propaganda"]
    assert piped.shared["propaganda_token_probs"].shape == (len(encoded), 15)
    head(piped)
    assert piped.report.stop["hyperpartisan"]["score"] == pytest.approx(result["score"], abs=1e-6)

    # with no token marked the block's probability moves: it reads the tagger (which way depends on
    # which techniques: this article's sit mostly in quoted statements, a news-like profile)
    empty = Doc(article, Report(article=article), head.context)
    empty.encoded = encoded
    empty.shared["propaganda_token_probs"] = np.zeros((len(encoded), 15), np.float32)
    head(empty)
    assert abs(empty.report.stop["hyperpartisan"]["components"]["techniques"] - result["components"]["techniques"]) > 0.005
    assert np.isfinite(result["score"])


def test_artefact_was_trained_with_the_shipped_propaganda_artefact():
    """The technique block serves only with the propaganda artefact it was trained with; after the
    propaganda head is retrained, `newssift train hyperpartisan` must be run again or the block is lost."""
    from newssift.stop.hyperpartisan import load_artefact
    from newssift.stop.technique_density import TECHNIQUE_FEATURES, propaganda_identity

    artefact = load_artefact()
    assert [b.name for b in artefact["model"].blocks] == ["words", "encoder", "techniques", "style", "links"]
    assert tuple(artefact["technique_features"]) == TECHNIQUE_FEATURES
    assert artefact["propaganda_identity"] == propaganda_identity(), \
        "the propaganda artefact changed: run `newssift train hyperpartisan --data ../shared/data`"
