"""Propaganda-technique spans (the 14 techniques of SemEval-2020 Task 11).

Runs on the shared encoder's token states, in numpy:
1. a per-wordpiece tagger gives, for each token, the probability that it lies inside a span of
   each technique and inside any span;
2. spans = runs of tokens whose "any technique" probability passes a threshold tuned on held-back
   PTC articles, widened to whole words;
3. a technique classifier labels each span from its pooled states, the tagger's probabilities,
   its length and whether the same phrase recurs in the article (repetition).

The artefacts (`models/artefacts/propaganda/`) record the encoder fingerprint they were fitted
on; a different encoder is refused rather than silently misread.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np

from newssift.article import span_dict
from newssift.errors import ModelMissing
from newssift.head import Doc, Head
from newssift.models.ptc import TECHNIQUES
from newssift.stop.technique_labels import LABELS

ARTEFACT_DIR = Path(__file__).resolve().parents[1] / "models" / "artefacts" / "propaganda"

EXPLANATIONS = {
    "Appeal_to_Authority": "leans on who said it rather than on evidence that it is true.",
    "Appeal_to_fear-prejudice": "tries to win support by stirring fear of, or prejudice against, something.",
    "Bandwagon,Reductio_ad_hitlerum": "argues from what everyone does, or by tying a view to a hated group.",
    "Black-and-White_Fallacy": "presents two options as the only ones when more exist.",
    "Causal_Oversimplification": "gives one simple cause for something with many.",
    "Doubt": "questions someone's credibility instead of addressing their argument.",
    "Exaggeration,Minimisation": "makes something look much bigger or smaller than it is.",
    "Flag-Waving": "appeals to patriotism or group identity to justify a view.",
    "Loaded_Language": "uses emotionally charged words to sway the reader instead of informing.",
    "Name_Calling,Labeling": "labels a person or group with an insulting or loaded name instead of an argument.",
    "Repetition": "repeats the same message so that it sticks.",
    "Slogans": "a short, catchy phrase that stands in for an argument.",
    "Thought-terminating_Cliches": "a stock phrase that discourages further thought on the matter.",
    "Whataboutism,Straw_Men,Red_Herring": "deflects: answers with another accusation, a distorted view or an irrelevant point.",
}
_QUOTES = "\"'“”‘’«»"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


_JOINERS = "-'’"  # inside a word when letters stand on both sides: "so-called", "don't"


def _in_word(text: str, i: int) -> bool:
    ch = text[i]
    return ch.isalnum() or (ch in _JOINERS and 0 < i < len(text) - 1
                            and text[i - 1].isalnum() and text[i + 1].isalnum())


def word_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to whole words (a hyphen or apostrophe between letters joins a word) and
    trim surrounding whitespace."""
    # widen only a span that starts or ends inside a word
    while 0 < start < len(text) and _in_word(text, start - 1) and _in_word(text, start):
        start -= 1
    while 0 < end < len(text) and _in_word(text, end) and _in_word(text, end - 1):
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def merge_same_technique(spans: list[dict]) -> list[dict]:
    """Merge overlapping spans that carry the same technique (keeping the higher score)."""
    out: list[dict] = []
    for span in sorted(spans, key=lambda d: (d["technique"], d["start"], d["end"])):
        if out and out[-1]["technique"] == span["technique"] and span["start"] < out[-1]["end"]:
            prev = out[-1]
            prev["end"] = max(prev["end"], span["end"])
            prev["score"] = max(prev["score"], span["score"])
        else:
            out.append(dict(span))
    return sorted(out, key=lambda d: (d["start"], d["end"]))


def decode_spans(text: str, encoded, probs: np.ndarray, decoding: dict) -> list[tuple[int, int, float]]:
    """Runs of tokens above the "any technique" threshold → word-aligned spans with a mean score."""
    if len(probs) == 0:
        return []
    threshold = float(decoding.get("threshold", 0.5))
    peak = float(decoding.get("peak", threshold))  # a span needs one token this sure (hysteresis)
    gap = int(decoding.get("gap", 1))
    min_chars = int(decoding.get("min_chars", 3))
    # The signal mixes the "any technique" output with the strongest single technique: the
    # technique outputs were trained with weights for rarity and see phrases the other misses.
    mix = float(decoding.get("mix", 0.0))
    p = (1.0 - mix) * probs[:, -1] + mix * probs[:, :-1].max(axis=1) if mix else probs[:, -1]
    on = np.nonzero(p >= threshold)[0]
    runs: list[list[int]] = []
    offsets = encoded.token_offsets
    for i in on:
        # a span never crosses a line break: techniques sit inside a sentence or a paragraph
        if runs and i - runs[-1][-1] <= gap + 1 and "\n" not in text[offsets[runs[-1][-1], 1]:offsets[i, 0]]:
            runs[-1].append(int(i))
        else:
            runs.append([int(i)])
    split_len = int(decoding.get("split_len", 0))
    if split_len:
        depth = float(decoding.get("split_depth", 1.0))
        runs = [part for run in runs for part in split_run(p, run, split_len, depth)]
    # A technique whose own output the "any technique" signal underrates (short labels such as
    # "water boy") may carry a run below the peak: {technique: the output one token must reach}.
    technique_peaks = [(TECHNIQUES.index(t), float(v)) for t, v in (decoding.get("technique_peaks") or {}).items()]
    spans = []
    for run in runs:
        if p[run].max() < peak and not any(probs[run, k].max() >= v for k, v in technique_peaks):
            continue
        first, last = run[0], run[-1]
        s, e = word_bounds(text, int(encoded.token_offsets[first, 0]), int(encoded.token_offsets[last, 1]))
        if e - s < min_chars:
            continue
        score = float(p[first:last + 1].mean())
        if spans and s < spans[-1][1]:  # widening to words made neighbours touch: join them
            ps, pe, pscore = spans[-1]
            spans[-1] = (ps, max(pe, e), max(pscore, score))
        else:
            spans.append((s, e, score))
    return spans


def split_run(p: np.ndarray, run: list[int], max_len: int, depth: float) -> list[list[int]]:
    """A run longer than `max_len` tokens is cut at its lowest inner token when that dip falls below
    `depth` times the run's peak: two techniques side by side ("the ridiculous term was a pathetic
    attempt" | "from lame duck Obama") are two spans, not one."""
    inner = run[2:-2]
    if len(run) <= max_len or not inner:
        return [run]
    k = min(inner, key=lambda i: p[i])
    if p[k] > depth * p[run].max():
        return [run]
    return split_run(p, [i for i in run if i < k], max_len, depth) + \
        split_run(p, [i for i in run if i > k], max_len, depth)


@lru_cache(maxsize=16)
def _lowered(text: str) -> tuple[str, Counter]:
    lower = text.lower()
    return lower, Counter(re.findall(r"\w+", lower))


def span_features(text: str, encoded, probs: np.ndarray, start: int, end: int, lower: bool = False) -> np.ndarray:
    """Features of one span for the technique classifier; `lower`: pool the encoder's lower-layer
    states (see models.encoder.LOWER_LAYER) rather than its final ones."""
    pooled = encoded.pool(start, end, lower=lower)
    idx = encoded.tokens_in(start, end)
    width = probs.shape[1] if probs.ndim == 2 else len(TECHNIQUES) + 1
    p_mean = probs[idx].mean(0) if len(idx) else np.zeros(width, np.float32)
    p_max = probs[idx].max(0) if len(idx) else np.zeros(width, np.float32)
    phrase = text[start:end].strip().lower()
    lower, word_counts = _lowered(text)
    repeats = max(0, lower.count(phrase) - 1) if len(phrase) >= 2 else 0
    words = re.findall(r"\w{4,}", phrase)
    # occurrences of each word as a whole word (a maximal \w+ run), counted once per article
    word_repeats = max([word_counts.get(w, 0) - 1 for w in words] + [0])
    before = text[max(0, start - 1):start]
    after = text[end:end + 1]
    n_words = len(phrase.split())
    caps = sum(1 for w in text[start:end].split() if w[:1].isupper()) / max(1, n_words)
    extra = np.array([
        math.log1p(repeats), float(repeats > 0), math.log1p(word_repeats),
        math.log1p(end - start), math.log1p(n_words), float(len(idx)) / 50.0,
        float("!" in phrase), float("?" in phrase), float(any(q in phrase for q in _QUOTES)),
        float(bool(before) and before in _QUOTES or bool(after) and after in _QUOTES),
        caps, start / max(1, len(text)),
    ], dtype=np.float32)
    return np.concatenate([pooled, p_mean, p_max, extra]).astype(np.float32)


def decode_signal(probs: np.ndarray, decoding: dict) -> np.ndarray:
    """Per token, the signal spans are decoded from (see decode_spans)."""
    mix = float(decoding.get("mix", 0.0))
    return (1.0 - mix) * probs[:, -1] + mix * probs[:, :-1].max(axis=1) if mix else probs[:, -1]


N_RESCORE_FEATURES = 22 + len(TECHNIQUES)


def rescore_features(text: str, encoded, probs: np.ndarray, spans, tech_probs: np.ndarray,
                     decoding: dict) -> np.ndarray:
    """Features of candidate spans for the re-scorer that rejects weak ones: how sure the tagger is
    inside and just outside the span, length, repetition, capitals, quotes, and the technique
    classifier's probabilities (some techniques are found more reliably than others)."""
    if not spans:
        return np.zeros((0, N_RESCORE_FEATURES), np.float32)
    signal = decode_signal(probs, decoding) if len(probs) else np.zeros(0, np.float32)
    threshold = float(decoding.get("threshold", 0.5))
    lower = text.lower()
    rows = []
    for (s, e), tp in zip(spans, tech_probs):
        idx = encoded.tokens_in(s, e)
        sig = signal[idx] if len(idx) else np.zeros(1, np.float32)
        anyp = probs[idx, -1] if len(idx) else np.zeros(1, np.float32)
        before = float(signal[idx[0] - 1]) if len(idx) and idx[0] > 0 else 0.0
        after = float(signal[idx[-1] + 1]) if len(idx) and idx[-1] + 1 < len(signal) else 0.0
        phrase = text[s:e].strip().lower()
        n_words = max(1, len(phrase.split()))
        repeats = max(0, lower.count(phrase) - 1) if len(phrase) >= 2 else 0
        words = re.findall(r"\w{4,}", phrase)
        word_repeats = max([len(re.findall(r"\b" + re.escape(w) + r"\b", lower)) - 1 for w in words] + [0])
        caps = sum(1 for w in text[s:e].split() if w[:1].isupper()) / n_words
        around = text[max(0, s - 1):s] + text[e:e + 1]
        tp = np.asarray(tp, np.float32)
        entropy = float(-(tp * np.log(tp + 1e-9)).sum())
        rows.append(np.concatenate([[
            float(sig.mean()), float(sig.max()), float(sig.min()), float((sig >= threshold).mean()),
            float(anyp.mean()), float(anyp.max()), before, after,
            math.log1p(e - s), math.log1p(n_words), float(n_words == 1), float(n_words >= 10),
            math.log1p(repeats), float(repeats > 0), math.log1p(word_repeats),
            caps, float(any(q in phrase for q in _QUOTES)), float(any(q in around for q in _QUOTES)),
            float("!" in phrase), float("?" in phrase), float(tp.max()), entropy], tp]))
    return np.asarray(rows, np.float32)


def tc_predict(tc: dict, feats: np.ndarray) -> np.ndarray:
    """(n, 14) technique probabilities from span features (logistic regression)."""
    z = (feats - tc["tc_mean"]) / tc["tc_scale"]
    return _softmax(z @ tc["tc_coef"].T + tc["tc_intercept"]).astype(np.float32)


def rescore_predict(rescorer: dict, feats: np.ndarray) -> np.ndarray:
    """(n,) probability that each candidate span lies mostly inside an annotated span."""
    z = (feats - rescorer["rs_mean"]) / rescorer["rs_scale"]
    return _sigmoid(z @ rescorer["rs_coef"] + rescorer["rs_intercept"][0]).astype(np.float32)


def tagger_inputs(states: np.ndarray, lower: np.ndarray | None = None) -> np.ndarray:
    """Each token's state beside its left and right neighbours' (zeros at the ends): (n, 3 * 384);
    with `lower`, the token's lower-layer state after them: (n, 4 * 384)."""
    pad = np.zeros((1, states.shape[1]), np.float32)
    left = np.concatenate([pad, states[:-1]]) if len(states) else states
    right = np.concatenate([states[1:], pad]) if len(states) else states
    return np.concatenate([left, states, right] + ([lower] if lower is not None else []), axis=1)


def tagger_forward(tagger: dict, states: np.ndarray, lower: np.ndarray | None = None) -> np.ndarray:
    """(n, 15) probabilities: 14 techniques, then "any technique". A tagger whose first layer is
    wider than three states reads each token's lower-layer state too (`lower`)."""
    if "in_W" in tagger:
        return conv_tagger_forward(tagger, states)
    reads_lower = tagger["W1"].shape[1] > 3 * states.shape[1]
    if reads_lower and lower is None:
        raise ValueError("this tagger reads the encoder's lower-layer states, which this encoding lacks")
    hidden = np.maximum(tagger_inputs(states, lower if reads_lower else None) @ tagger["W1"].T + tagger["b1"], 0.0)
    return _sigmoid(hidden @ tagger["W2"].T + tagger["b2"]).astype(np.float32)


def conv_tagger_forward(tagger: dict, states: np.ndarray) -> np.ndarray:
    """The dilated-convolution tagger (see models.propaganda_tagger): (n, 15) probabilities."""
    h = np.maximum(states @ tagger["in_W"] + tagger["in_b"], 0.0)
    n = len(h)
    for k, d in enumerate(int(x) for x in tagger["dilations"]):
        # kernel 3 with dilation d: each token reads itself and the tokens d before and after it
        padded = np.concatenate([np.zeros((d, h.shape[1]), h.dtype), h, np.zeros((d, h.shape[1]), h.dtype)])
        taps = np.concatenate([padded[0:n], padded[d:d + n], padded[2 * d:2 * d + n]], axis=1)
        h = h + np.maximum(taps @ tagger[f"conv{k}_W"] + tagger[f"conv{k}_b"], 0.0)
    return _sigmoid(h @ tagger["out_W"] + tagger["out_b"]).astype(np.float32)


def ensemble_forward(taggers: list[dict], states: np.ndarray, lower: np.ndarray | None = None) -> np.ndarray:
    """Mean probabilities of several taggers (the fold models)."""
    return np.mean([tagger_forward(t, states, lower) for t in taggers], axis=0).astype(np.float32)


class PropagandaModel:
    """The numpy head: tagger weights (one tagger or an ensemble), technique classifier, span
    decoding settings and an optional re-scorer that rejects weak candidate spans."""

    def __init__(self, tagger, tc: dict | None, decoding: dict, fingerprint: str, rescorer: dict | None = None,
                 lower: bool = False):
        taggers = tagger if isinstance(tagger, list) else [tagger]
        self.taggers = [{k: np.asarray(v, np.int64 if k == "dilations" else np.float32) for k, v in t.items()}
                        for t in taggers]
        self.tc = tc
        self.decoding = decoding
        self.fingerprint = fingerprint
        self.rescorer = rescorer
        self.lower = lower  # the technique classifier pools the encoder's lower-layer states

    @property
    def tagger(self) -> dict:
        return self.taggers[0]

    # -- pieces ---------------------------------------------------------------------------------
    def token_probs(self, encoded) -> np.ndarray:
        if len(encoded) == 0:
            return np.zeros((0, len(TECHNIQUES) + 1), np.float32)
        return ensemble_forward(self.taggers, encoded.token_states, encoded.lower_states)

    def technique_probs(self, text: str, encoded, probs: np.ndarray, spans) -> np.ndarray:
        """(n_spans, 14) probabilities of each technique."""
        if not spans:
            return np.zeros((0, len(TECHNIQUES)), np.float32)
        feats = np.stack([span_features(text, encoded, probs, s, e, self.lower) for s, e in spans])
        if self.tc is None:  # no classifier yet: the tagger's mean technique probabilities
            return _softmax(np.log(feats[:, 384:384 + len(TECHNIQUES)] + 1e-6))
        return tc_predict(self.tc, feats)

    # -- what the evaluation and the head call -----------------------------------------------------
    def classify_spans(self, text: str, spans, encoded=None) -> list[list[str]]:
        """Per span, the techniques best first."""
        spans = [(int(s), int(e)) for s, e in spans]
        if encoded is None:
            from newssift.models.encoder import get_encoder

            encoded = get_encoder().encode(text)
        probs = self.technique_probs(text, encoded, self.token_probs(encoded), spans)
        return [[TECHNIQUES[i] for i in np.argsort(-row)] for row in probs]

    def analyse_encoded(self, encoded, probs: np.ndarray | None = None) -> list[dict]:
        """Technique spans of one encoded text: dicts with start, end, technique, score, ...
        (`probs`: its token_probs, when already computed)."""
        text = encoded.text
        probs = self.token_probs(encoded) if probs is None else probs
        found = decode_spans(text, encoded, probs, self.decoding)
        spans = [(s, e) for s, e, _ in found]
        tech = self.technique_probs(text, encoded, probs, spans)
        scores = np.asarray([score for _, _, score in found], np.float32)
        keep = np.ones(len(found), bool)
        if self.rescorer is not None and found:
            # the re-scorer's probability that the span is right is the span's score
            scores = rescore_predict(self.rescorer, rescore_features(text, encoded, probs, spans, tech, self.decoding))
            keep = scores >= float(self.decoding.get("keep", 0.0))
        lower = text.lower()
        out = []
        for (s, e, _), row, score, kept in zip(found, tech, scores, keep):
            if not kept:
                continue
            k = int(np.argmax(row))
            technique = TECHNIQUES[k]
            explanation = f"{LABELS[technique]}: {EXPLANATIONS[technique]}"
            if technique == "Repetition":
                n = lower.count(text[s:e].strip().lower())
                if n > 1:
                    explanation += f" This phrase appears {n} times in the article."
            out.append({"start": s, "end": e, "technique": technique, "score": round(float(score), 4),
                        "technique_score": round(float(row[k]), 4), "explanation": explanation})
        return merge_same_technique(out)

    def predict_encoded(self, encoded) -> list[tuple[int, int, str]]:
        return [(d["start"], d["end"], d["technique"]) for d in self.analyse_encoded(encoded)]

    def predict_spans(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        from newssift.models.encoder import get_encoder

        encoder = get_encoder()
        out = []
        for start in range(0, len(texts), 8):
            out.extend(self.predict_encoded(enc) for enc in encoder.encode_batch(texts[start:start + 8]))
        return out


def load_model(directory: Path = ARTEFACT_DIR, check_encoder: bool = True) -> PropagandaModel:
    head_file, config_file = directory / "head.npz", directory / "config.json"
    if not head_file.is_file() or not config_file.is_file():
        raise ModelMissing("The propaganda model is missing: run `newssift train propaganda`.")
    config = json.loads(config_file.read_text(encoding="utf-8"))
    z = np.load(head_file)
    tc = {k: z[k].astype(np.float32) for k in ("tc_mean", "tc_scale", "tc_coef", "tc_intercept")}
    rescorer = ({k: z[k].astype(np.float32) for k in ("rs_mean", "rs_scale", "rs_coef", "rs_intercept")}
                if "rs_coef" in z.files else None)
    if "W1" in z.files:  # a single per-token tagger
        taggers = [{k: z[k] for k in ("W1", "b1", "W2", "b2")}]
    else:  # an ensemble: keys "tagger<k>/<weight>"
        taggers = []
        for key in z.files:
            if key.startswith("tagger"):
                k, name = key[len("tagger"):].split("/", 1)
                while len(taggers) <= int(k):
                    taggers.append({})
                taggers[int(k)][name] = z[key]
    model = PropagandaModel(taggers, tc, config["decoding"], config["encoder_fingerprint"], rescorer,
                            lower=(config.get("tc_classifier") or {}).get("states") == "lower")
    if check_encoder:
        from newssift.models.encoder import get_encoder

        current = get_encoder().fingerprint
        if current != model.fingerprint:
            raise ModelMissing(f"The propaganda model was trained on encoder {model.fingerprint}, but encoder "
                               f"{current} is installed: run `newssift train propaganda`.")
    return model


def classify_spans(text: str, spans) -> list[list[str]]:
    """Techniques (best first) for given spans of a text, e.g. gold spans in the TC evaluation."""
    return _shared_model().classify_spans(text, spans)


_MODEL: PropagandaModel | None = None


def _shared_model() -> PropagandaModel:
    global _MODEL
    if _MODEL is None:
        _MODEL = load_model()
    return _MODEL


class PropagandaHead(Head):
    name = "propaganda"
    section = "stop"
    needs = ("encoder",)
    description = "Propaganda-technique spans (the 14 techniques of SemEval-2020 Task 11)."

    def load(self) -> None:
        self.model = _shared_model()

    def __call__(self, doc: Doc) -> None:
        text = doc.article.text
        spans = []
        if doc.encoded is not None:
            probs = self.model.token_probs(doc.encoded)
            # the hyperpartisan head's technique block reads the tagger's token probabilities
            doc.shared["propaganda_token_probs"] = probs
            spans = self.model.analyse_encoded(doc.encoded, probs)
        techniques = [span_dict(text, d["start"], d["end"], technique=d["technique"], score=d["score"],
                                technique_score=d["technique_score"], explanation=d["explanation"])
                      for d in spans]
        counts: dict[str, int] = {}
        for d in techniques:
            counts[d["technique"]] = counts.get(d["technique"], 0) + 1
        doc.report.stop["techniques"] = techniques
        doc.report.stop["technique_counts"] = dict(sorted(counts.items(), key=lambda kv: -kv[1]))
        doc.shared["propaganda"] = techniques
