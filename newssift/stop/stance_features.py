"""Features of a (headline, body) pair for the stance model, after the classic FNC-1 systems:
TF-IDF cosine of headline and body and of headline and its best-matching body sentences, word
and bigram overlap, refuting / hedging / certainty words, sentiment, and (when the encoder's
outputs are at hand) embedding cosine between the headline and the best-matching sentences.

A body is prepared once (`BodyState`) and paired with many headlines; so is a headline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from newssift.stop.style import CERTAINTY, HEDGE, REFUTE, vader

TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
NEGATION = re.compile(r"\b(not|no|never|n't|none|nobody|nothing|neither|nor)\b", re.I)
REPORTING = re.compile(r"\b(said|says|say|told|tells|reported|reports|according|sources?|statement)\b", re.I)
NEAR = 6  # tokens: a refuting or negating word this close to a headline word is about it

TEXT_FEATURES = (
    "tfidf_cos_body", "tfidf_max_sentence", "tfidf_top3_sentence", "tfidf_cos_lead",
    "overlap_jaccard", "overlap_headline_share", "overlap_headline_share_lead", "bigram_share",
    "headline_refute", "headline_hedge", "headline_certainty", "headline_question", "headline_vader",
    "headline_negation", "body_refute_per100", "body_hedge_per100", "body_negation_per100",
    "best_refute", "best_hedge", "best_negation", "best_vader", "best_quote",
    "headline_words", "body_words_log", "best_position",
)
# cues in the body sentences closest to the headline (top 3 by TF-IDF cosine): what a body says
# about the headline's claim sits there, and these cues do not name the story, so they carry over
# to stories unseen in training
CLOSE_FEATURES = (
    "top3_refute", "top3_negation", "top3_hedge", "top3_reporting", "near_refute", "near_negation",
    "top3_vader_mean", "polarity_agreement",
)
ENCODER_FEATURES = ("emb_cos_doc", "emb_max_sentence", "emb_top3_sentence", "emb_cos_lead", "emb_best_tfidf_sentence")


def words(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in ENGLISH_STOP_WORDS and len(w) > 1]


@dataclass
class BodyState:
    text: str
    sentences: list[tuple[int, int]]
    tfidf: object  # (1, V) sparse, L2-normalised
    sentence_tfidf: object  # (n, V)
    content: set
    lead_content: set
    bigrams: set
    n_words: int
    refute: int
    hedge: int
    negation: int
    sentence_refute: np.ndarray
    sentence_hedge: np.ndarray
    sentence_negation: np.ndarray
    sentence_quote: np.ndarray
    sentence_reporting: np.ndarray
    sentence_vader: np.ndarray | None = None  # filled lazily for the sentences a pair needs
    doc_embedding: np.ndarray | None = None
    sentence_embeddings: np.ndarray | None = None


@dataclass
class HeadlineState:
    text: str
    tfidf: object
    content: set
    bigrams: set
    refute: int
    hedge: int
    certainty: int
    negation: int
    vader: float
    embedding: np.ndarray | None = None


def _bigrams(tokens: list[str]) -> set:
    return set(zip(tokens, tokens[1:]))


def _is_refute(token: str) -> bool:
    return bool(REFUTE.fullmatch(token))


def _is_negation(token: str) -> bool:
    return token.endswith("n't") or bool(NEGATION.fullmatch(token))


def _near(tokens: list[str], anchors: set, test) -> int:
    """How many tokens passing `test` sit within NEAR tokens of a headline word."""
    where = [i for i, t in enumerate(tokens) if t in anchors]
    if not where:
        return 0
    hits = [i for i, t in enumerate(tokens) if test(t)]
    return sum(1 for i in hits if any(abs(i - j) <= NEAR for j in where))


class StanceFeaturizer:
    """Fit the TF-IDF vocabulary on training headlines and bodies; then prepare and pair them."""

    def __init__(self, max_features: int = 20000):
        self.vectorizer = TfidfVectorizer(token_pattern=r"[a-z0-9]+(?:'[a-z]+)?", stop_words="english",
                                          max_features=max_features, sublinear_tf=True, dtype=np.float32)

    def fit(self, texts: list[str]) -> "StanceFeaturizer":
        self.vectorizer.fit(texts)
        return self

    def body(self, text: str, sentences: list[tuple[int, int]], doc_embedding=None,
             sentence_embeddings=None) -> BodyState:
        sentences = sentences or [(0, len(text))]
        sent_texts = [text[s:e] for s, e in sentences]
        content = content_words(text)
        lead = content_words(text[:255])
        return BodyState(
            text=text, sentences=sentences,
            tfidf=self.vectorizer.transform([text]), sentence_tfidf=self.vectorizer.transform(sent_texts),
            content=set(content), lead_content=set(lead), bigrams=_bigrams(words(text)),
            n_words=len(words(text)),
            refute=len(REFUTE.findall(text)), hedge=len(HEDGE.findall(text)), negation=len(NEGATION.findall(text)),
            sentence_refute=np.array([len(REFUTE.findall(t)) for t in sent_texts]),
            sentence_hedge=np.array([len(HEDGE.findall(t)) for t in sent_texts]),
            sentence_negation=np.array([len(NEGATION.findall(t)) for t in sent_texts]),
            sentence_quote=np.array([len(re.findall(r"[\"“”]", t)) > 0 for t in sent_texts], float),
            sentence_reporting=np.array([len(REPORTING.findall(t)) for t in sent_texts]),
            sentence_vader=np.full(len(sent_texts), np.nan),
            doc_embedding=doc_embedding, sentence_embeddings=sentence_embeddings,
        )

    def headline(self, text: str, embedding=None, tfidf=None) -> HeadlineState:
        return HeadlineState(
            text=text, tfidf=self.vectorizer.transform([text]) if tfidf is None else tfidf,
            content=set(content_words(text)),
            bigrams=_bigrams(words(text)), refute=len(REFUTE.findall(text)), hedge=len(HEDGE.findall(text)),
            certainty=len(CERTAINTY.findall(text)), negation=len(NEGATION.findall(text)),
            vader=vader().polarity_scores(text)["compound"], embedding=embedding)

    def headlines(self, texts: list[str], embeddings: list | None = None) -> list[HeadlineState]:
        """Many headlines, vectorised in one call."""
        matrix = self.vectorizer.transform(texts)
        embeddings = embeddings or [None] * len(texts)
        return [self.headline(t, e, matrix[i]) for i, (t, e) in enumerate(zip(texts, embeddings))]

    def pair(self, h: HeadlineState, b: BodyState, with_encoder: bool, sent_cos: np.ndarray | None = None,
             body_cos: float | None = None) -> tuple[np.ndarray, int]:
        """(feature vector, index of the best-matching body sentence). `sent_cos` and `body_cos` (the
        TF-IDF cosines with the body's sentences and the body) may come precomputed for a batch."""
        if sent_cos is None:
            sent_cos = (b.sentence_tfidf @ h.tfidf.T).toarray().ravel()
        if body_cos is None:
            body_cos = float((b.tfidf @ h.tfidf.T).toarray()[0, 0])
        emb_sent = None
        if with_encoder and b.sentence_embeddings is not None and len(b.sentence_embeddings):
            emb_sent = b.sentence_embeddings @ h.embedding
        # the best sentence by TF-IDF alone, so that the text features are the same with or without
        # the encoder (the text-only model is the encoder model's first columns' counterpart)
        best = int(np.argmax(sent_cos)) if len(sent_cos) else 0
        top3 = np.sort(sent_cos)[-3:]
        if np.isnan(b.sentence_vader[best]):
            s, e = b.sentences[best]
            b.sentence_vader[best] = vader().polarity_scores(b.text[s:e][:1000])["compound"]
        overlap = h.content & b.content
        per100 = 100.0 / max(b.n_words, 1)
        lead_n = min(2, len(sent_cos))
        row = [
            body_cos, float(sent_cos.max(initial=0)), float(top3.mean()),
            float(sent_cos[:lead_n].max(initial=0)),
            len(overlap) / max(len(h.content | b.content), 1), len(overlap) / max(len(h.content), 1),
            len(h.content & b.lead_content) / max(len(h.content), 1),
            len(h.bigrams & b.bigrams) / max(len(h.bigrams), 1),
            h.refute, h.hedge, h.certainty, float("?" in h.text), h.vader, h.negation,
            b.refute * per100, b.hedge * per100, b.negation * per100,
            b.sentence_refute[best], b.sentence_hedge[best], b.sentence_negation[best], b.sentence_vader[best],
            b.sentence_quote[best],
            len(words(h.text)), np.log1p(b.n_words), best / max(len(b.sentences), 1),
        ]
        row += self.close_cues(h, b, sent_cos)
        if with_encoder:
            if emb_sent is not None:
                top3e = np.sort(emb_sent)[-3:]
                row += [float(b.doc_embedding @ h.embedding), float(emb_sent.max()), float(top3e.mean()),
                        float(emb_sent[:lead_n].max()), float(emb_sent[best])]
            else:
                row += [0.0] * len(ENCODER_FEATURES)
        return np.asarray(row, np.float32), best

    @staticmethod
    def close_cues(h: HeadlineState, b: BodyState, sent_cos: np.ndarray) -> list[float]:
        """CLOSE_FEATURES: cues in the three body sentences closest to the headline."""
        top = [int(i) for i in np.argsort(-sent_cos, kind="stable")[:3] if sent_cos[i] > 0] or [0]
        tokens = [t for i in top for t in words(b.text[b.sentences[i][0]:b.sentences[i][1]])]
        for i in top:
            if np.isnan(b.sentence_vader[i]):
                s, e = b.sentences[i]
                b.sentence_vader[i] = vader().polarity_scores(b.text[s:e][:1000])["compound"]
        top_vader = float(np.mean(b.sentence_vader[top]))
        return [
            float(b.sentence_refute[top].sum()), float(b.sentence_negation[top].sum()),
            float(b.sentence_hedge[top].sum()), float(b.sentence_reporting[top].sum()),
            _near(tokens, h.content, _is_refute), _near(tokens, h.content, _is_negation),
            top_vader, h.vader * top_vader,
        ]
