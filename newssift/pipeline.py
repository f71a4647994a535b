"""The Analyzer: ingest → (spaCy, encoder: once per article, batched) → heads → Report.

Heads run in the order of `HEADS`; a later head may read what an earlier one left in
``doc.shared`` (the summary reads everything). Adding a head is one line here.
"""

from __future__ import annotations

import importlib
import logging
import time
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

    def pipe(self, articles: Iterable[Article], batch_size: int = 16) -> Iterator[Report]:
        """Analyse many articles, batching the spaCy and encoder passes across them."""
        batch: list[Article] = []
        for article in articles:
            batch.append(article)
            if len(batch) >= batch_size:
                yield from self._run_batch(batch)
                batch = []
        if batch:
            yield from self._run_batch(batch)

    def _run_batch(self, articles: list[Article]) -> list[Report]:
        heads = self.heads()
        docs = [Doc(a, Report(article=a), self.context) for a in articles]
        active = [(h, s, m) for h, s, m in heads]
        needs = {need for h, s, _ in active if s == "ok" for need in h.needs}

        t0 = time.perf_counter()
        self._prepare_language(docs)
        self._prepare_sentences(docs, parse="spacy" in needs)
        t1 = time.perf_counter()
        for doc in docs:
            doc.report.timings["nlp"] = (t1 - t0) / len(docs)

        if "encoder" in needs:
            english = [d for d in docs if _is_english(d)]
            if english:
                t0 = time.perf_counter()
                encoded = self.encoder().encode_batch([d.article.text for d in english])
                for doc, enc in zip(english, encoded):
                    doc.encoded = enc
                elapsed = (time.perf_counter() - t0) / len(docs)
                for doc in docs:
                    doc.report.timings["encoder"] = elapsed

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


def _is_english(doc: Doc) -> bool:
    # too little text to tell is treated as English, the language every head supports
    return (doc.article.language or "en") == "en"
