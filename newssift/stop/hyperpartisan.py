"""Hyperpartisan tone, article level: a probability, and the reasons behind it with their evidence.

The model (`hyperpartisan_model`) stacks five views: the article's words, the shared encoder's
embedding of its lead, how much of the article the propaganda head's tagger marks per technique
(the share of tokens it gives 0.3 or more), style measurements, and what the article links to (when
its links are known: HTML input). The reasons a reader sees are the checkable ones:
the words that pushed the score most (each with where it occurs), style measurements beyond what
is typical of non-hyperpartisan articles (with the sentences behind them), and loaded language
found by the technique head.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from newssift.article import span_dict
from newssift.errors import ModelMissing
from newssift.head import Doc, Head
from newssift.stop.style import CAPS_WORD, STYLE_FEATURES, style_measurements
from newssift.stop.technique_labels import LOADED_TECHNIQUES

LEAD_TOKENS = 508  # the training embeddings pool the article's first 508 tokens

STYLE_REASONS = {
    "vader_mean_abs": "strongly emotional sentences (sentiment intensity)",
    "vader_strong_share": "share of strongly emotional sentences",
    "exclamations_per_sentence": "exclamation marks",
    "caps_words_per_100": "words in capitals",
    "first_second_person_per_100": "addresses the reader as 'we' / 'you'",
    "certainty_per_100": "absolute and certainty words",
    "questions_per_sentence": "rhetorical questions",
}
# fewer quotes and attributions than typical is one-sidedness: few voices besides the author's
LOW_IS_REASON = {"attributions_per_sentence": "few attributed sources (said, according to ...)",
                 "quotes_per_sentence": "few quotations of others"}


@lru_cache(maxsize=1)
def load_artefact() -> dict:
    import joblib

    from newssift.stop.hyperpartisan_model import ARTEFACT_DIR

    path = ARTEFACT_DIR / "model.joblib"
    if not path.exists():
        raise ModelMissing("The hyperpartisan model is missing; run `newssift train hyperpartisan`.")
    return joblib.load(path)


def lead_embedding(encoded) -> np.ndarray | None:
    """The encoder's pooled embedding of the article's lead (as in training)."""
    if encoded is None:
        return None
    offsets = np.asarray(encoded.token_offsets)
    if not len(offsets):
        return None
    end = int(offsets[min(LEAD_TOKENS, len(offsets)) - 1][1])
    return np.asarray(encoded.pool(0, end), np.float32)


class HyperpartisanHead(Head):
    name = "hyperpartisan"
    section = "stop"
    needs = ("encoder",)
    description = "Hyperpartisan tone, article level."

    def load(self) -> None:
        self.artefact = load_artefact()
        # the words block's vocabulary, for the words a reader is shown (sorting it is slow: once here)
        self.words_block = next(b for b in self.artefact["model"].blocks if b.name == "words")
        self.words_vocabulary = self.words_block.model[0].get_feature_names_out()
        self.encoder_fingerprint = None
        try:
            from newssift.models.encoder import get_encoder

            self.encoder_fingerprint = get_encoder().fingerprint
        except Exception:  # noqa: BLE001 - the head still runs on its text-only combiner
            pass
        # the encoder block serves only with the encoder it was trained on
        self.uses_encoder = self.encoder_fingerprint is not None and \
            self.encoder_fingerprint == self.artefact["encoder_fingerprint"]
        # the technique block only with the propaganda model it was trained on (its spans' density)
        from newssift.stop.technique_density import propaganda_identity

        trained_with = self.artefact.get("propaganda_identity")
        self.uses_techniques = self.uses_encoder and trained_with is not None and \
            propaganda_identity() == trained_with
        # the links block with the outlet ratings it was trained with (older artefacts have none)
        self.link_ratings = self.artefact.get("link_ratings")

    def __call__(self, doc: Doc) -> None:
        self.pipe([doc])

    def pipe(self, docs) -> None:
        """The articles of a batch go through each model together (scikit-learn costs mostly per
        call); the words block's vectorised text also serves the words shown as reasons."""
        from newssift.stop.hyperpartisan_model import model_text

        docs = list(docs)
        model = self.artefact["model"]
        rows = []
        for doc in docs:
            article = doc.article
            measurements = style_measurements(article.text, article.sentences)
            embedding = lead_embedding(doc.encoded) if self.uses_encoder else None
            rows.append({
                "measurements": measurements,
                "text": model_text(article.title or "", article.text),
                "style": np.array([measurements[k] for k in STYLE_FEATURES]),
                "embedding": embedding,
                "techniques": self.technique_input(doc) if embedding is not None else None,
                "links": self.links_input(article),
            })
        vectorizer = self.words_block.model[0]
        vectorised = vectorizer.transform([r["text"] for r in rows])
        # articles with the same inputs available share one call (the usual case: all of them)
        groups: dict[tuple, list[int]] = {}
        for i, r in enumerate(rows):
            groups.setdefault((r["embedding"] is None, r["techniques"] is None, r["links"] is None), []).append(i)
        for (no_embedding, no_techniques, no_links), members in groups.items():
            inputs = {
                "text": [rows[i]["text"] for i in members],
                "style": np.stack([rows[i]["style"] for i in members]),
                "embedding": None if no_embedding else np.stack([rows[i]["embedding"] for i in members]),
                "techniques": None if no_techniques else np.vstack([rows[i]["techniques"] for i in members]),
                "links": None if no_links else np.stack([rows[i]["links"] for i in members]),
            }
            prob, used, blocks = model.predict_with_blocks(inputs, {"words": vectorised[members]})
            for k, i in enumerate(members):
                doc, r = docs[i], rows[i]
                score = float(prob[k])
                doc.report.stop["hyperpartisan"] = {
                    "score": round(score, 4),
                    "hyperpartisan": score >= 0.5,
                    "model": "+".join(used),
                    "components": {name: round(float(p[k]), 4) for name, p in blocks.items()},
                    "style": {key: round(v, 4) for key, v in r["measurements"].items()},
                    "reasons": self.reasons(doc, r["measurements"], vectorised[i]),
                }

    def links_input(self, article) -> np.ndarray | None:
        """The links row, when the article's links are known (HTML) and the model has the block."""
        if article.links is None or not self.link_ratings:
            return None
        from newssift.stop.link_features import link_features

        own = article.domain or article.canonical_url or article.url
        return link_features(article.links, article.text, self.link_ratings, own_domain=own)

    def technique_input(self, doc: Doc) -> np.ndarray | None:
        """The technique row: from the propaganda tagger's token probabilities, shared by the
        propaganda head when it ran on this article, else computed here on the same encoding
        (e.g. `newssift evaluate`)."""
        if not self.uses_techniques:
            return None
        from newssift.stop.technique_density import technique_token_shares

        probs = doc.shared.get("propaganda_token_probs")
        if probs is None:
            if doc.encoded is None:
                return None
            try:
                from newssift.stop.propaganda import _shared_model

                probs = _shared_model().token_probs(doc.encoded)
            except Exception:  # noqa: BLE001 - the combiner without the technique block serves
                return None
        return technique_token_shares(probs)[None, :]

    # -- reasons ---------------------------------------------------------------------------
    def reasons(self, doc: Doc, measurements: dict, vectorised_words) -> list[dict]:
        text = doc.article.text
        reasons: list[dict] = []
        loaded = [t for t in doc.report.stop.get("techniques", []) if t.get("technique") in LOADED_TECHNIQUES]
        if loaded:
            sentences = {_sentence_index(doc, t["start"]) for t in loaded}
            reasons.append({
                "kind": "loaded_language",
                "text": f"Loaded language or name-calling in {len(sentences)} sentence{'' if len(sentences) == 1 else 's'}.",
                "value": round(len(sentences) / max(len(doc.article.sentences), 1), 4),
                "evidence": [span_dict(text, t["start"], t["end"], technique=t["technique"]) for t in loaded[:12]],
            })
        words = self._pushing_words(vectorised_words, text)
        if words:
            reasons.append({
                "kind": "words",
                "text": "Words typical of hyperpartisan articles: " + ", ".join(w["word"] for w in words) + ".",
                "evidence": [w["span"] for w in words if w["span"] is not None],
            })
        reference = self.artefact.get("style_reference", {})
        for feature, label in STYLE_REASONS.items():
            ref = reference.get(feature)
            value = measurements[feature]
            if ref and value > ref["typical_p90"] and value > 0:
                reasons.append({
                    "kind": "style", "feature": feature, "value": round(value, 4),
                    "typical": round(ref["typical_median"], 4),
                    "text": f"More {label} than 90% of non-hyperpartisan articles.",
                    "evidence": self._style_evidence(doc, feature),
                })
        for feature, label in LOW_IS_REASON.items():
            ref = reference.get(feature)
            if ref and measurements[feature] == 0 and ref["typical_median"] > 0 and len(doc.article.sentences) >= 8:
                reasons.append({"kind": "style", "feature": feature, "value": 0.0,
                                "typical": round(ref["typical_median"], 4),
                                "text": f"No {label.split(' (')[0].replace('few ', '')}: one voice throughout.",
                                "evidence": [{"path": f"stop.hyperpartisan.style.{feature}"}]})
        return reasons

    def _pushing_words(self, row, text: str, top: int = 6) -> list[dict]:
        """The words that push this article's words score up most (its vectorised text `row`)."""
        regression = self.words_block.model[-1]
        contribution = row.multiply(regression.coef_[0]).tocsr()
        if not contribution.nnz:
            return []
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        vocab = self.words_vocabulary
        order = np.argsort(-contribution.data)
        out = []
        for k in order:
            if contribution.data[k] <= 0 or len(out) >= top:
                break
            word = vocab[contribution.indices[k]]
            if all(w in ENGLISH_STOP_WORDS for w in word.split()):
                continue  # function words weigh in the model but explain nothing to a reader
            match = re.search(r"\b" + r"\W+".join(map(re.escape, word.split())) + r"\b", text, re.I)
            out.append({"word": word, "span": span_dict(text, match.start(), match.end(), term=word) if match else None})
        return out

    def _style_evidence(self, doc: Doc, feature: str, limit: int = 8) -> list[dict]:
        text = doc.article.text
        if feature == "caps_words_per_100":
            return [span_dict(text, m.start(), m.end()) for m in CAPS_WORD.finditer(text)][:limit]
        if feature in ("exclamations_per_sentence", "questions_per_sentence"):
            mark = "!" if feature.startswith("excl") else "?"
            return [span_dict(text, s, e) for s, e in doc.article.sentences if mark in text[s:e]][:limit]
        if feature in ("vader_mean_abs", "vader_strong_share"):
            from newssift.stop.style import vader

            scored = [(abs(vader().polarity_scores(text[s:e][:1000])["compound"]), s, e)
                      for s, e in doc.article.sentences[:200]]
            return [span_dict(text, s, e, sentiment_intensity=round(v, 3))
                    for v, s, e in sorted(scored, reverse=True)[:limit] if v >= 0.6]
        if feature == "certainty_per_100":
            from newssift.stop.style import CERTAINTY

            return [span_dict(text, m.start(), m.end()) for m in CERTAINTY.finditer(text)][:limit]
        if feature == "first_second_person_per_100":
            from newssift.stop.style import FIRST_SECOND_PERSON

            return [span_dict(text, m.start(), m.end()) for m in FIRST_SECOND_PERSON.finditer(text)][:limit]
        return [{"path": f"stop.hyperpartisan.style.{feature}"}]


def _sentence_index(doc: Doc, offset: int) -> int:
    for i, (s, e) in enumerate(doc.article.sentences):
        if s <= offset < e:
            return i
    return -1
