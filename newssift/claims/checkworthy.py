"""Check-worthiness of every sentence; the claims above a calibrated threshold.

Every sentence of the article gets a calibrated probability of being a check-worthy factual claim
(a linear model over the shared encoder's sentence embedding and cheap lexical features, trained on
ClaimBuster and CLEF CheckThat! debates). Sentences at or above the threshold that maximised F1 on
validation are listed as claims. A claim inside a quote found by the quotes head is attributed to
the quote's speaker; any other claim to the outlet.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from newssift.article import span_dict
from newssift.head import Doc, Head


def _field(obj: Any, name: str, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _bounds(span: Any) -> tuple[int, int] | None:
    if span is None:
        return None
    start, end = _field(span, "start"), _field(span, "end")
    return (int(start), int(end)) if start is not None and end is not None else None


def quote_for_sentence(start: int, end: int, quotes: list, min_share: float = 0.5):
    """The quote a sentence [start, end) reports, if any: the quote whose content overlaps the
    sentence most, when that content covers at least `min_share` of the sentence's characters, or
    when the sentence also holds the quote's attribution (its speaker or cue span: "…, the Kremlin
    said"). A sentence that merely mentions a quote elsewhere stays the outlet's."""
    best, best_overlap = None, 0
    for quote in quotes or ():
        content = _bounds(_field(quote, "content"))
        if content is None:
            continue
        overlap = min(end, content[1]) - max(start, content[0])
        if overlap > best_overlap:
            best, best_overlap = quote, overlap
    if best is None:
        return None
    if best_overlap >= min_share * max(1, end - start):
        return best
    for part in ("speaker_span", "cue"):
        bounds = _bounds(_field(best, part))
        if bounds is not None and start <= bounds[0] and bounds[1] <= end:
            return best
    return None


class CheckworthyHead(Head):
    name = "checkworthy"
    section = "claims"
    needs = ("encoder",)
    description = "Check-worthiness of every sentence; the claims above a calibrated threshold."

    model = None

    def load(self) -> None:
        from newssift.claims.checkworthy_model import check_fingerprint, load_checkworthy_model
        from newssift.models.encoder import get_encoder

        model = load_checkworthy_model()
        check_fingerprint(model, get_encoder().fingerprint)  # ModelMissing when either is off
        self.model = model

    def score_batch(self, docs: list[Doc]) -> list[np.ndarray]:
        """The sentences of every article scored in one call (the models cost mostly per call)."""
        texts, embeddings, sizes = [], [], []
        for doc in docs:
            spans = list(doc.article.sentences)
            sizes.append(len(spans))
            if spans:
                texts.extend(doc.text[start:end].strip() for start, end in spans)
                embeddings.append(doc.encoded.sentence_embeddings(spans))
        if not texts:
            return [np.zeros(0) for _ in docs]
        scores = self.model.predict_proba(texts, np.vstack(embeddings))
        return np.split(scores, np.cumsum(sizes)[:-1])

    def __call__(self, doc: Doc) -> None:
        self.pipe([doc])

    def pipe(self, docs) -> None:
        docs = list(docs)
        for doc, probabilities in zip(docs, self.score_batch(docs)):
            self.write_claims(doc, probabilities)

    def write_claims(self, doc: Doc, probabilities: np.ndarray) -> None:
        text = doc.text
        quotes = doc.shared.get("quotes") or []
        outlet = doc.article.site_name or doc.article.domain
        scores, claims = [], []
        for (start, end), probability in zip(doc.article.sentences, probabilities):
            # trim the sentence span to its visible text, so the highlighted span has no edges of space
            stripped = text[start:end]
            start, end = start + len(stripped) - len(stripped.lstrip()), end - (len(stripped) - len(stripped.rstrip()))
            probability = round(float(probability), 4)
            scores.append(span_dict(text, start, end, checkworthiness=probability))
            if probability < self.model.threshold or end <= start:
                continue
            quote = quote_for_sentence(start, end, quotes)
            if quote is not None:
                claims.append(span_dict(text, start, end, checkworthiness=probability,
                                        speaker=_field(quote, "speaker"), attributed_to="quote"))
            else:
                claims.append(span_dict(text, start, end, checkworthiness=probability,
                                        speaker=outlet, attributed_to="outlet"))
        doc.report.claims["claims"] = claims
        doc.report.claims["threshold"] = round(float(self.model.threshold), 4)
        doc.shared["sentence_checkworthiness"] = scores
        doc.shared["claims"] = claims
