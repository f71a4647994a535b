"""The body's stance toward the headline (FNC-1 classes), and cues of overstatement."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from newssift.article import span_dict
from newssift.errors import ModelMissing
from newssift.evaluation.metrics import FNC_LABELS
from newssift.head import Doc, Head
from newssift.stop.overstatement import body_gap, closest_sentence, headline_emphasis, overstates


@lru_cache(maxsize=1)
def load_artefact() -> dict:
    import joblib

    from newssift.stop.stance_model import ARTEFACT_DIR

    path = ARTEFACT_DIR / "model.joblib"
    if not path.exists():
        raise ModelMissing("The stance model is missing; run `newssift train stance`.")
    return joblib.load(path)


def encoder_if_matching(fingerprint: str | None):
    """The shared encoder when it loads and is the one the model was trained on, else None."""
    if fingerprint is None:
        return None
    try:
        from newssift.models.encoder import get_encoder

        encoder = get_encoder()
    except Exception:  # noqa: BLE001 - the text-only model serves
        return None
    return encoder if encoder.fingerprint == fingerprint else None


def lead_sentence_embeddings(encoded, sentences) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings of the body (its lead) and its sentences from the body's own encoder pass; sentences
    past the lead are zero, as in training (which pooled the first 508 tokens)."""
    from newssift.stop.hyperpartisan import LEAD_TOKENS, lead_embedding

    offsets = np.asarray(encoded.token_offsets)
    lead_end = int(offsets[min(LEAD_TOKENS, len(offsets)) - 1][1]) if len(offsets) else 0
    sent = np.asarray(encoded.sentence_embeddings(sentences), np.float32).reshape(-1, 384)
    for i, (start, _) in enumerate(sentences):
        if start >= lead_end:
            sent[i] = 0
    return lead_embedding(encoded), sent


class HeadlineHead(Head):
    name = "headline"
    section = "stop"
    # the encoder is used when present (and the one trained on); the text-only model serves otherwise
    needs = ()
    description = "The body's stance toward the headline, and cues of overstatement."

    def load(self) -> None:
        self.artefact = load_artefact()
        self.encoder = encoder_if_matching(self.artefact.get("encoder_fingerprint"))

    def __call__(self, doc: Doc) -> None:
        self.pipe([doc])

    def pipe(self, docs) -> None:
        """Features per article, then one stance prediction per model for the whole batch (the
        gradient-boosted trees cost mostly per call, not per row)."""
        prepared = [(doc, self.features(doc)) for doc in docs]
        for key in ("text", "text+encoder"):
            batch = [(doc, f) for doc, f in prepared if f is not None and f["model"] == key]
            if batch:
                proba = self.artefact["models"][key].predict_proba(np.stack([f["row"] for _, f in batch]))
                for (doc, f), p in zip(batch, proba):
                    doc.report.stop["headline"] = self.finish(doc, f, p)
        for doc, f in prepared:
            if f is None:
                doc.report.stop["headline"] = None

    def features(self, doc: Doc) -> dict | None:
        article = doc.article
        title = (article.title or "").strip()
        if not title or not article.text.strip():
            return None
        sentences = article.sentences or [(0, len(article.text))]
        use_encoder = self.encoder is not None and doc.encoded is not None and "text+encoder" in self.artefact["models"]
        key = "text+encoder" if use_encoder else "text"
        featurizer = self.artefact["models"][key].featurizer
        if use_encoder:
            doc_emb, sent_emb = lead_sentence_embeddings(doc.encoded, sentences)
            head_emb = doc.title_embedding if doc.title_embedding is not None else \
                np.asarray(self.encoder.embed_sentences([title]), np.float32)[0]
        else:
            doc_emb = sent_emb = head_emb = None
        body = featurizer.body(article.text, sentences, doc_emb, sent_emb)
        headline = featurizer.headline(title, head_emb)
        row, _ = featurizer.pair(headline, body, use_encoder)
        return {"title": title, "sentences": sentences, "model": key, "row": row, "body": body,
                "headline": headline, "sent_emb": sent_emb, "head_emb": head_emb}

    def finish(self, doc: Doc, f: dict, proba: np.ndarray) -> dict:
        article, title, sentences = doc.article, f["title"], f["sentences"]
        use_encoder = f["model"] == "text+encoder"
        sent_emb, head_emb = f["sent_emb"], f["head_emb"]
        stance = self.artefact["models"][f["model"]].label(proba)
        scores = {label: round(float(p), 4) for label, p in zip(FNC_LABELS, proba)}
        sent_cos = (f["body"].sentence_tfidf @ f["headline"].tfidf.T).toarray().ravel()
        emb_cos = sent_emb @ head_emb if use_encoder and sent_emb is not None and len(sent_emb) else None
        best = closest_sentence(title, article.text, sentences, sent_cos, emb_cos)
        start, end = sentences[best]
        closest = span_dict(article.text, start, end, similarity=round(float(sent_cos[best]), 4))
        if emb_cos is not None:
            closest["embedding_similarity"] = round(float(emb_cos[best]), 4)
        emphasis = headline_emphasis(title, article.text)
        gaps = body_gap(title, stance, scores, article.text[start:end], float(sent_cos.max(initial=0)))
        return {
            "title": title,
            "stance": stance,
            "stance_scores": scores,
            "model": "text+encoder" if use_encoder else "text",
            "overstates": overstates(emphasis, gaps),
            "cues": emphasis + gaps,
            "closest_sentence": closest,
        }
