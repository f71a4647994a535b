"""The Analyzer: ingest → (spaCy, encoder: once per article, batched) → heads → Report.

Heads run in the order of `HEADS`; a later head may read what an earlier one left in
``doc.shared`` (the summary reads everything). Adding a head is one line here.
"""

from __future__ import annotations

import importlib
import logging
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterable, Iterator

from newssift.article import Article
from newssift.errors import ModelMissing, ResourceMissing
from newssift.head import Context, Doc, Head, NotBuilt
from newssift.report import Report

log = logging.getLogger(__name__)

HEADS: tuple[str, ...] = (
    "newssift.source.head:SourceHead",
    "newssift.stop.propaganda:PropagandaHead",
    "newssift.claims.quotes:QuotesHead",
    "newssift.claims.checkworthy:CheckworthyHead",
    "newssift.stop.headline:HeadlineHead",
    "newssift.stop.hyperpartisan:HyperpartisanHead",
    "newssift.coverage.match:CoverageHead",
    "newssift.summary:SummaryHead",
)


def load_head_class(path: str) -> type[Head]:
    module_name, _, class_name = path.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


class Analyzer:
    """Analyse articles. Reuse one Analyzer: models load once, on first use.

    >>> report = Analyzer().analyze(Article(text="..."))
    """

    def __init__(self, heads: Iterable[str] | None = None, db_url: str | None = None, options: dict | None = None):
        self.context = Context(db_url=db_url, options=options)
        self.head_paths = tuple(heads) if heads is not None else HEADS
        self._heads: list[tuple[Head, str, str]] | None = None  # (head, status, message)
        self._encoder = None
        self._encoder_error: str | None = None

    # -- loading -----------------------------------------------------------------------------
    def heads(self) -> list[tuple[Head, str, str]]:
        if self._heads is None:
            loaded = []
            for path in self.head_paths:
                head = load_head_class(path)(self.context)
                status, message = "ok", ""
                try:
                    head.load()
                except NotBuilt as exc:
                    status, message = "not_built", str(exc) or f"The {head.name} analysis is not built yet."
                except (ModelMissing, ResourceMissing) as exc:
                    status, message = "unavailable", str(exc)
                if status == "ok" and "encoder" in head.needs and self.encoder() is None:
                    status, message = "unavailable", self._encoder_error or "The encoder could not be loaded."
                loaded.append((head, status, message))
            self._heads = loaded
        return self._heads

    def encoder(self):
        if self._encoder is None and self._encoder_error is None:
            try:
                from newssift.models.encoder import get_encoder

                self._encoder = get_encoder()
            except (ModelMissing, ImportError) as exc:
                self._encoder_error = str(exc)
        return self._encoder

    # -- analysis ----------------------------------------------------------------------------
    def analyze(self, article: Article) -> Report:
        return next(iter(self.pipe([article])))

    def pipe(self, articles: Iterable[Article], batch_size: int = 8) -> Iterator[Report]:
        """Analyse many articles, batching the spaCy and encoder passes across them.

        Batches overlap: while the heads read one batch, the encoder (onnxruntime, which releases
        the GIL) already runs on the next, so both cores stay busy. At most one batch is read ahead.
        """
        pending: _Batch | None = None
        for batch in _chunks(articles, batch_size):
            started = self._start_batch(batch)
            if pending is not None:
                yield from self._finish_batch(pending)
            pending = started
        if pending is not None:
            yield from self._finish_batch(pending)

    def _start_batch(self, articles: list[Article]) -> "_Batch":
        """Detect languages and queue the encoder pass (it runs in the background)."""
        heads = self.heads()
        docs = [Doc(a, Report(article=a), self.context) for a in articles]
        needs = {need for h, s, _ in heads if s == "ok" for need in h.needs}
        self._prepare_language(docs)
        english = [d for d in docs if _is_english(d)] if "encoder" in needs else []
        encoding = _background().submit(self._encode, english) if english else None
        return _Batch(docs, needs, english, encoding)

    def _finish_batch(self, batch: "_Batch") -> list[Report]:
        """Parse with spaCy (while the encoder runs), then run every head in order."""
        from threadpoolctl import threadpool_limits

        # the encoder's onnxruntime threads own the cores meanwhile: BLAS and OpenMP (numpy,
        # scikit-learn's gradient boosting) stay on this thread instead of spinning against them
        with threadpool_limits(limits=1):
            return self._finish_batch_single_threaded(batch)

    def _finish_batch_single_threaded(self, batch: "_Batch") -> list[Report]:
        docs, active = batch.docs, self.heads()
        t0 = time.perf_counter()
        self._prepare_sentences(docs, parse="spacy" in batch.needs)
        t1 = time.perf_counter()
        for doc in docs:
            doc.report.timings["nlp"] = (t1 - t0) / len(docs)
        if batch.encoding is not None:
            encoded, seconds = batch.encoding.result()
            for doc, enc in zip(batch.english, encoded):
                doc.encoded = enc
            for doc in docs:
                doc.report.timings["encoder"] = seconds / len(docs)

        for head, status, message in active:
            t0 = time.perf_counter()
            runnable = []
            for doc in docs:
                if status != "ok":
                    doc.report.set_head_status(head.name, head.section, status, message)
                elif head.languages is not None and (doc.article.language or "en") not in head.languages:
                    doc.report.set_head_status(
                        head.name, head.section, "unsupported_language",
                        f"The {head.name} analysis supports {', '.join(sorted(head.languages))}; "
                        f"this article is in {doc.article.language or 'an unknown language'}.")
                else:
                    runnable.append(doc)
            if runnable:
                try:
                    head.pipe(runnable)
                    for doc in runnable:
                        doc.report.set_head_status(head.name, head.section, "ok")
                except Exception as exc:  # one head failing must not lose the rest of the report
                    log.exception("head %s failed", head.name)
                    for doc in runnable:
                        doc.report.set_head_status(head.name, head.section, "error",
                                                   f"The {head.name} analysis failed: {type(exc).__name__}: {exc}")
            elapsed = (time.perf_counter() - t0) / len(docs)
            for doc in docs:
                doc.report.timings[head.name] = elapsed
        return [d.report for d in docs]

    def _encode(self, docs: list[Doc]):
        """The batch's encoder pass: every body (windowed) and every title (as a sentence)."""
        t0 = time.perf_counter()
        encoder = self.encoder()
        encoded = encoder.encode_batch([d.article.text for d in docs])
        titled = [d for d in docs if (d.article.title or "").strip()]
        if titled:
            for doc, vector in zip(titled, encoder.embed_sentences([d.article.title.strip() for d in titled])):
                doc.title_embedding = vector
        return encoded, time.perf_counter() - t0

    def _prepare_language(self, docs: list[Doc]) -> None:
        from newssift.language import detect_language

        for doc in docs:
            if not doc.article.language:
                lang, _ = detect_language(doc.article.text)
                doc.article.language = lang

    def _prepare_sentences(self, docs: list[Doc], parse: bool) -> None:
        from newssift.nlp import get_nlp, regex_sentences, spacy_sentences

        english = [d for d in docs if _is_english(d)]
        if parse and english:
            nlp = get_nlp()
            for doc, parsed in zip(english, nlp.pipe([d.article.text for d in english], batch_size=8)):
                doc.spacy = parsed
                if not doc.article.sentences:
                    doc.article.sentences = spacy_sentences(parsed)
        for doc in docs:
            if not doc.article.sentences:
                doc.article.sentences = regex_sentences(doc.article.text)


@dataclass
class _Batch:
    docs: list[Doc]
    needs: set[str]
    english: list[Doc]
    encoding: Future | None  # -> (encoded texts of `english`, seconds)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_BACKGROUND: ThreadPoolExecutor | None = None


def _background() -> ThreadPoolExecutor:
    global _BACKGROUND
    if _BACKGROUND is None or _BACKGROUND._shutdown:
        _BACKGROUND = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newssift-encoder")
    return _BACKGROUND


def _forget_background() -> None:
    # a forked child (a batch worker) inherits the executor but not its thread: make a new one
    global _BACKGROUND
    _BACKGROUND = None


os.register_at_fork(after_in_child=_forget_background)


def _is_english(doc: Doc) -> bool:
    # too little text to tell is treated as English, the language every head supports
    return (doc.article.language or "en") == "en"
