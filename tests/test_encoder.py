"""The shared encoder: ONNX parity with the reference BERT, windowing, offsets, sentence embeddings."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from newssift.models import encoder as enc_mod

SHARED = Path(os.environ.get("NEWSSIFT_SHARED", Path(__file__).resolve().parents[2] / "shared"))
PTC_ARTICLES = SHARED / "data" / "propaganda-ptc" / "train" / "articles"
EXAMPLE = SHARED / "examples" / "theduran-2016-trump-putin.txt"

SENTENCES = [
    "The Senate passed the budget bill on Tuesday after a long debate.",
    "Lawmakers approved the spending plan this week following hours of argument.",
    "Mix two cups of flour with the butter and bake for twenty minutes.",
    "Russia denied any involvement in the hacking of the Democratic National Committee.",
    "Moscow rejected accusations that it was behind the cyber attack on the DNC.",
]


@pytest.fixture(scope="module")
def encoder():
    """The base encoder (no delta): parity with the reference BERT holds for the base weights."""
    return enc_mod.Encoder(lora_path=None)


def _long_text() -> str:
    if EXAMPLE.is_file():
        return EXAMPLE.read_text(encoding="utf-8")
    return " ".join(sorted(p.read_text(encoding="utf-8") for p in PTC_ARTICLES.glob("*.txt"))[:2])


def _fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", s.lower()) if unicodedata.category(c) != "Mn")


def test_window_plan_covers_every_token_once():
    for n in (0, 1, 100, 254, 255, 600, 1234):
        starts = enc_mod.window_starts(n) if n else []
        if not n:
            continue
        best, local = enc_mod.best_window(n, starts, 254)
        assert (local >= 0).all() and (local < 254).all()
        assert starts[-1] + 254 >= n and starts[0] == 0
        # a token far from the text's ends is never at the edge of its chosen window
        if len(starts) > 1:
            middle = np.arange(40, n - 40)
            assert (np.minimum(local[middle], 253 - local[middle]) >= enc_mod.OVERLAP // 2 - 1).all()


def test_parity_with_reference_bert(encoder):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    base = str(enc_mod.base_model_dir())
    model = transformers.BertModel.from_pretrained(base).eval()
    tok = transformers.AutoTokenizer.from_pretrained(base)
    batch = tok(SENTENCES[:3], padding=True, return_tensors="pt")
    with torch.no_grad():
        ref = model(**batch).last_hidden_state.numpy()
    for i, text in enumerate(SENTENCES[:3]):
        got = encoder.encode(text)
        n = len(got)
        assert np.abs(ref[i, 1:n + 1] - got.token_states).max() < 1e-3
    mask = batch["attention_mask"].numpy()[..., None]
    pooled = (ref * mask).sum(1) / mask.sum(1)
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    assert np.abs(pooled - encoder.embed_sentences(SENTENCES[:3])).max() < 1e-3


def test_long_text_offsets_slice_to_wordpieces(encoder):
    text = _long_text()
    got = encoder.encode(text)
    assert len(got) > 300, "the test needs several windows"
    assert got.token_states.shape == (len(got), 384) and got.token_states.dtype == np.float32
    assert np.isfinite(got.token_states).all() and (np.abs(got.token_states).sum(1) > 0).all()
    for (s, e), tid in zip(got.token_offsets, got.token_ids):
        piece = encoder.tokenizer.id_to_token(int(tid))
        if piece == "[UNK]":
            continue
        assert _fold(text[s:e]) == piece.removeprefix("##"), (text[s:e], piece)
    # offsets increase along the text
    assert (np.diff(got.token_offsets[:, 0]) >= 0).all()


def test_batching_and_padding_do_not_change_states(encoder):
    texts = [SENTENCES[0], _long_text()[:3000], SENTENCES[2]]
    together = encoder.encode_batch(texts)
    for text, batched in zip(texts, together):
        alone = encoder.encode(text)
        assert np.abs(alone.token_states - batched.token_states).max() < 1e-4


def test_embed_sentences_similarity_ordering(encoder):
    emb = encoder.embed_sentences(SENTENCES)
    assert emb.shape == (5, 384)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    sim = emb @ emb.T
    assert sim[0, 1] > sim[0, 2] + 0.2
    assert sim[3, 4] > max(sim[3, 0], sim[3, 2]) + 0.2
    assert encoder.embed_sentences([]).shape == (0, 384)


def test_pool_and_sentence_embeddings(encoder):
    text = SENTENCES[0] + " " + SENTENCES[2]
    got = encoder.encode(text)
    first = (0, len(SENTENCES[0]))
    second = (len(SENTENCES[0]) + 1, len(text))
    vecs = got.sentence_embeddings([first, second])
    assert vecs.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert np.allclose(got.pool(*first), vecs[0])
    assert not got.pool(len(text), len(text)).any()
    empty = encoder.encode("")
    assert empty.token_states.shape == (0, 384) and empty.token_offsets.shape == (0, 2)


def test_fingerprint_changes_with_delta(encoder, tmp_path):
    from safetensors.numpy import save_file

    rng = np.random.default_rng(0)
    delta = tmp_path / "lora.safetensors"
    save_file({"encoder.layer.0.attention.self.query.lora_A": rng.normal(size=(4, 384)).astype(np.float32),
               "encoder.layer.0.attention.self.query.lora_B": rng.normal(size=(384, 4)).astype(np.float32)},
              str(delta), metadata={"scale": "0.01"})
    merged = enc_mod.load_weights(encoder.base_dir, delta)
    base = enc_mod.load_weights(encoder.base_dir, None)
    key = "encoder.layer.0.attention.self.query.weight"
    assert not np.allclose(merged[key], base[key])
    assert np.allclose(merged["encoder.layer.1.attention.self.query.weight"], base["encoder.layer.1.attention.self.query.weight"])
    other = enc_mod.Encoder(base_dir=encoder.base_dir, lora_path=delta, threads=1)
    assert other.fingerprint != encoder.fingerprint
    assert not np.allclose(other.embed_sentences(SENTENCES[:1]), encoder.embed_sentences(SENTENCES[:1]))


def test_device_setting_names_what_is_missing(monkeypatch):
    import onnxruntime as ort

    from newssift.errors import ModelMissing
    from newssift.models.encoder import _providers

    monkeypatch.setenv("NEWSSIFT_DEVICE", "cpu")
    assert _providers(ort) == ["CPUExecutionProvider"]
    monkeypatch.setenv("NEWSSIFT_DEVICE", "tpu")
    with pytest.raises(ModelMissing, match="cpu or cuda"):
        _providers(ort)
    monkeypatch.setenv("NEWSSIFT_DEVICE", "cuda")
    if "CUDAExecutionProvider" in ort.get_available_providers():
        assert _providers(ort)[0] == "CUDAExecutionProvider"
    else:
        with pytest.raises(ModelMissing, match="onnxruntime-gpu"):
            _providers(ort)
