"""Run one head over articles the way the Analyzer does, without the other heads.

The evaluation commands score a head on its own; when the shared encoder is not available the
head runs on its text-only path (the Analyzer would mark it unavailable instead).
"""

from __future__ import annotations

import logging
import sys
from typing import Iterable, Iterator

from newssift.article import Article
from newssift.head import Context, Doc, Head
from newssift.nlp import regex_sentences
from newssift.report import Report

log = logging.getLogger(__name__)


def run_head(head_class: type[Head], articles: Iterable[Article], batch_size: int = 16,
             progress_every: int = 200) -> Iterator[Doc]:
    head = head_class(Context())
    head.load()
    encoder = None
    if "encoder" in head.needs and getattr(head, "uses_encoder", True):
        try:
            from newssift.models.encoder import get_encoder

            encoder = get_encoder()
        except Exception as exc:  # noqa: BLE001 - the head runs on its text-only path
            log.info("encoder unavailable: %s", exc)
    batch: list[Doc] = []
    done = 0
    for article in articles:
        if not article.sentences:
            article.sentences = regex_sentences(article.text)
        batch.append(Doc(article, Report(article=article), head.context))
        if len(batch) >= batch_size:
            yield from _finish(head, encoder, batch)
            done += len(batch)
            if progress_every and done % progress_every < batch_size:
                print(f"{done} articles", file=sys.stderr)
            batch = []
    if batch:
        yield from _finish(head, encoder, batch)


def _finish(head: Head, encoder, batch: list[Doc]) -> list[Doc]:
    if encoder is not None:
        for doc, encoded in zip(batch, encoder.encode_batch([d.article.text for d in batch])):
            doc.encoded = encoded
    head.pipe(batch)
    return batch
