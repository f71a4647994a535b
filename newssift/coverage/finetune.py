"""A matching-specific delta of the encoder, fine-tuned on the CheckThat! train pairs
(training only: needs torch).

The delta is LoRA on the top layers of the base MiniLM (`newssift.models.train._top_layers`,
the same adapters and file format as the shared encoder's delta), trained with a contrastive
loss: each train query against its fact-check, the other fact-checks of the batch (in-batch
negatives) and BM25-mined hard negatives from its collection. The bottom layers stay frozen, so
their states are computed once for every text (`LowerStates`) and only the adapted layers run
forward and backward. At run time the delta is merged into the weights by
`newssift.models.encoder.load_weights` and runs on onnxruntime like any encoder.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import numpy as np

from newssift.coverage.model import ARTEFACT_DIR

DELTA_FILE = ARTEFACT_DIR / "matching-delta.safetensors"  # = embedding.matching_delta()
FROM_LAYER = 3  # frozen layers 0..3; their output is cached
LAYERS = (4, 5)  # adapted layers


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def sentence_windows(tokenizer, texts: list[str]) -> list[np.ndarray]:
    """Token ids as `Encoder.embed_sentences` feeds them: [CLS] first 254 wordpieces [SEP]."""
    from newssift.models import encoder as enc_mod

    out = []
    for enc in tokenizer.encode_batch(list(texts), add_special_tokens=False):
        ids = enc.ids[: enc_mod.SENTENCE_MAX - 2]
        out.append(np.asarray([enc_mod.CLS_ID, *ids, enc_mod.SEP_ID], dtype=np.int64))
    return out


class LowerStates:
    """States after layer FROM_LAYER of the base encoder for a list of texts (fp16, ragged),
    computed once with the runtime graph and cached on disk."""

    def __init__(self, texts: list[str], cache_dir: Path, threads: int = 1):
        from newssift.models import encoder as enc_mod

        self.texts = list(texts)
        self.row = {t: i for i, t in enumerate(self.texts)}
        base = enc_mod.base_model_dir()
        key = hashlib.sha256("\x00".join([enc_mod.GRAPH_VERSION, enc_mod._file_sha(base / "model.safetensors"),
                                          str(FROM_LAYER), *self.texts]).encode()).hexdigest()[:20]
        path = Path(cache_dir) / f"lower-{key}.npz"
        if path.is_file():
            z = np.load(path)
            self.states, self.starts, self.lengths = z["states"], z["starts"], z["lengths"]
            return
        from tokenizers import Tokenizer
        import onnxruntime as ort

        tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        windows = sentence_windows(tokenizer, self.texts)
        graph = enc_mod.build_onnx(enc_mod.load_weights(base, None), (FROM_LAYER,))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        sess = ort.InferenceSession(graph.SerializeToString(), options, providers=["CPUExecutionProvider"])
        self.lengths = np.asarray([len(w) for w in windows], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64)
        self.states = np.zeros((int(self.lengths.sum()), enc_mod.HIDDEN), dtype=np.float16)
        order = np.argsort(self.lengths, kind="stable")
        t0, done, budget = time.time(), 0, 4096
        i = 0
        while i < len(order):
            j = i + 1
            while j < len(order) and self.lengths[order[j]] * (j - i + 1) <= budget:
                j += 1
            batch = order[i:j]
            longest = int(self.lengths[batch].max())
            ids = np.zeros((len(batch), longest), np.int64)
            mask = np.zeros_like(ids)
            for r, k in enumerate(batch):
                ids[r, : self.lengths[k]] = windows[k]
                mask[r, : self.lengths[k]] = 1
            lower = sess.run([f"layer{FROM_LAYER}"], {"input_ids": ids, "attention_mask": mask})[0]
            for r, k in enumerate(batch):
                self.states[self.starts[k]: self.starts[k] + self.lengths[k]] = lower[r, : self.lengths[k]]
            done += len(batch)
            i = j
            if done // 5000 != (done - len(batch)) // 5000:
                _log(f"lower states: {done}/{len(order)} texts ({time.time() - t0:.0f} s)")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, states=self.states, starts=self.starts, lengths=self.lengths)
        tmp.replace(path)

    def batch(self, rows):
        """Padded (B, T, 384) float32 states and (B, T) mask of the given rows, as torch tensors."""
        import torch

        rows = list(rows)
        longest = int(max(self.lengths[r] for r in rows))
        x = np.zeros((len(rows), longest, self.states.shape[1]), np.float32)
        m = np.zeros((len(rows), longest), np.int64)
        for b, r in enumerate(rows):
            n = int(self.lengths[r])
            x[b, :n] = self.states[self.starts[r]: self.starts[r] + n]
            m[b, :n] = 1
        return torch.from_numpy(x), torch.from_numpy(m)


def _encode(layers, states: LowerStates, rows):
    """Mean-pooled (over every token, [CLS] and [SEP] included, as `embed_sentences`), L2-normalised."""
    import torch

    from newssift.models.train import _mask_bias

    x, m = states.batch(rows)
    bias = _mask_bias(m)
    for layer in layers:
        x = layer(x, bias)
    mf = m.unsqueeze(-1).float()
    pooled = (x * mf).sum(1) / mf.sum(1)
    return torch.nn.functional.normalize(pooled, dim=-1)


def embed_all(layers, states: LowerStates, batch: int = 64) -> np.ndarray:
    """Embeddings of every text of `states` through `layers` (no gradient)."""
    import torch

    out = np.zeros((len(states.texts), 384), np.float32)
    order = np.argsort(states.lengths, kind="stable")
    with torch.no_grad():
        for i in range(0, len(order), batch):
            rows = order[i:i + batch]
            out[rows] = _encode(layers, states, rows).numpy()
    return out


def delta_share(qid: str, share: float) -> bool:
    """Whether query `qid` is among the `share` of train queries the delta learns from (a fixed
    draw by a hash of the id); the rest are left for the re-ranker, which must see the cosines
    of queries the encoder was not fitted on, as at run time."""
    return int(hashlib.sha256(qid.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < share


def training_pairs(tasks, split: str = "train", hard_k: int = 10, share: float = 1.0) -> list[dict]:
    """One item per (query, relevant fact-check): query text, fact-check text, the texts of its
    query's other relevant fact-checks (never used as negatives), and BM25's top `hard_k`
    wrong fact-checks of the query's collection (hard negatives)."""
    from newssift.coverage import checkthat as ct
    from newssift.coverage.bm25 import BM25

    items = []
    for task in tasks:
        texts = [ct.collection_text(r) for r in task.collection]
        row = {r["vclaim_id"]: i for i, r in enumerate(task.collection)}
        bm25 = BM25(texts)
        queries, qrels = task.split(split)
        for q, text in queries.items():
            if not delta_share(q, share):
                continue
            rel = [row[v] for v in sorted(qrels[q]) if v in row]
            if not rel:
                continue
            top, _ = bm25.top(text, hard_k + len(rel))
            hard = [texts[j] for j in top if j not in rel][:hard_k]
            for r in rel:
                items.append({"query": text, "positive": texts[r], "related": {texts[j] for j in rel},
                              "hard": hard})
    return items


def finetune(items: list[dict], states: LowerStates, *, rank: int = 8, alpha: float = 16.0, epochs: int = 2,
             lr: float = 5e-4, batch: int = 32, temperature: float = 0.05, seed: int = 13) -> tuple[list, dict]:
    """LoRA on LAYERS, InfoNCE of each query over the batch's positives and hard negatives."""
    import torch

    from newssift.models import encoder as enc_mod
    from newssift.models.train import _top_layers

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    weights = enc_mod.load_weights(enc_mod.base_model_dir(), None)
    layers = _top_layers(weights, LAYERS, rank, alpha)
    params = [p for layer in layers for p in layer.parameters()]
    optim = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps_per_epoch = max(1, len(items) // batch)
    planned = steps_per_epoch * epochs
    t0, c0, step = time.time(), time.process_time(), 0
    for epoch in range(epochs):
        order = rng.permutation(len(items))
        for s in range(steps_per_epoch):
            chosen = [items[i] for i in order[s * batch:(s + 1) * batch]]
            q_rows = [states.row[it["query"]] for it in chosen]
            p_rows = [states.row[it["positive"]] for it in chosen]
            n_rows = [states.row[it["hard"][rng.integers(len(it["hard"]))]] for it in chosen if it["hard"]]
            n_texts = [states.texts[r] for r in n_rows]
            q = _encode(layers, states, q_rows)
            d = _encode(layers, states, p_rows + n_rows)
            logits = q @ d.T / temperature
            # a document relevant to a query (its own, a duplicate of it, or another relevant one)
            # is not a negative for it
            docs = [states.texts[r] for r in p_rows] + n_texts
            mask = torch.tensor([[j != i and docs[j] in it["related"] for j in range(len(docs))]
                                 for i, it in enumerate(chosen)])
            logits = logits.masked_fill(mask, float("-inf"))
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(chosen)))
            optim.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            for group in optim.param_groups:  # warm-up over 10 steps, then linear decay
                group["lr"] = lr * min(1.0, (step + 1) / 10) * max(0.0, 1 - step / planned)
            optim.step()
            step += 1
            if step % 20 == 0:
                _log(f"matching fine-tune epoch {epoch + 1} step {step}/{planned}: loss {loss.item():.4f} "
                     f"({time.time() - t0:.0f} s)")
    stats = {"pairs": len(items), "steps": step, "epochs": epochs, "lr": lr, "batch": batch, "rank": rank,
             "alpha": alpha, "temperature": temperature, "layers": list(LAYERS),
             "train_cpu_seconds": round(time.process_time() - c0, 1), "train_wall_seconds": round(time.time() - t0, 1)}
    return layers, stats


def save(layers, path: Path, rank: int, alpha: float, stats: dict) -> None:
    from newssift.models.train import save_delta

    delta = {}
    for layer in layers:
        delta.update(layer.delta())
    save_delta(delta, path, rank, alpha)
    _log(f"matching delta saved to {path} ({path.stat().st_size / 1e6:.2f} MB): {stats}")


class TableEmbedder:
    """Embeddings looked up by text (texts computed in advance); `fingerprint` given."""

    dim = 384

    def __init__(self, texts: list[str], vectors: np.ndarray, fingerprint: str, fallback=None):
        self.row = {t: i for i, t in enumerate(texts)}
        self.vectors = vectors
        self.fingerprint = fingerprint
        self.fallback = fallback

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self.row]
        if missing:
            if self.fallback is None:
                raise KeyError(f"{len(missing)} texts were not embedded in advance")
            extra = self.fallback.embed(missing)
            for t, v in zip(missing, extra):
                self.row[t] = len(self.vectors)
                self.vectors = np.vstack([self.vectors, v[None]])
        return np.stack([self.vectors[self.row[t]] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


def matching_texts(root: str | None) -> list[str]:
    """Every text that tuning the matcher embeds (queries, contexts, collections, unmatched
    sentences), each once, in a fixed order."""
    from newssift.coverage.experiments import text_sets
    from newssift.coverage.train import unmatched_sentences

    seen: dict[str, None] = {}
    for texts in [*text_sets(root).values(), unmatched_sentences(root, 400, 0), unmatched_sentences(root, 400, 1)]:
        for t in texts:
            seen.setdefault(t, None)
    return list(seen)


def embed_table(layers, states: LowerStates, fingerprint: str, cache_dir: Path) -> TableEmbedder:
    """Every text of `states` embedded through the adapted layers, cached under the delta's
    fingerprint (the runtime encoder gives the same vectors up to fp16 rounding)."""
    key = hashlib.sha256("\x00".join([fingerprint, *states.texts]).encode()).hexdigest()[:20]
    path = Path(cache_dir) / f"table-{key}.npy"
    if path.is_file():
        vectors = np.load(path)
    else:
        t0 = time.time()
        vectors = embed_all(layers, states)
        np.save(path, vectors)
        _log(f"embedded {len(vectors)} texts with the delta ({time.time() - t0:.0f} s)")
    return TableEmbedder(states.texts, vectors, fingerprint)


def train_delta(root: str | None, cache_dir: Path, out: Path = DELTA_FILE, *, with_2b: bool = False,
                hard_k: int = 10, share: float = 1.0, **hyper) -> tuple[dict, TableEmbedder]:
    """Fine-tune the matching delta on the train pairs, write it to `out` (what `newssift train
    coverage` runs first), and embed every text the rest of the tuning needs with it."""
    import torch

    from newssift.coverage.experiments import politifact_task, snopes_task
    from newssift.models.encoder import base_model_dir, fingerprint_of

    torch.set_num_threads(1)  # one thread: the same delta on every run
    c0 = time.process_time()
    tasks = [snopes_task(root)] + ([politifact_task(root)] if with_2b else [])
    items = training_pairs(tasks, "train", hard_k=hard_k, share=share)
    texts = matching_texts(root)
    known = set(texts)
    texts += list(dict.fromkeys(t for it in items for t in it["hard"] if t not in known))
    states = LowerStates(texts, cache_dir)
    _log(f"matching fine-tune: {len(items)} pairs, {len(texts)} texts ({time.process_time() - c0:.0f} s CPU)")
    rank, alpha = hyper.get("rank", 8), hyper.get("alpha", 16.0)
    layers, stats = finetune(items, states, **hyper)
    save(layers, out, rank, alpha, stats)
    table = embed_table(layers, states, fingerprint_of(base_model_dir(), out), cache_dir)
    stats.update({"tasks": [t.name for t in tasks], "hard_negatives": hard_k, "share": share,
                  "cpu_seconds": round(time.process_time() - c0, 1)})
    return stats, table
