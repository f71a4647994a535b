"""The interface every analysis head fills, and the per-article state heads share.

A head is one module with one class: it reads a `Doc` (the article, its spaCy parse, its
encoder pass, what earlier heads found) and writes into one section of the report. Rules,
lexicons and learned models are different ways to fill the same interface, so they can be
swapped and measured against each other (``newssift evaluate``).

To add a head: write the module, then add one line to ``newssift.pipeline.HEADS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from newssift.errors import ModelMissing, ResourceMissing

if TYPE_CHECKING:  # pragma: no cover
    from newssift.article import Article
    from newssift.report import Report


class NotBuilt(Exception):
    """Raised by `Head.load` of a head that is not part of this release yet."""


class Doc:
    """One article under analysis: the shared, computed-once state that heads read."""

    def __init__(self, article: "Article", report: "Report", context: "Context"):
        self.article = article
        self.report = report
        self.context = context
        self.spacy = None  # spaCy Doc over article.text, set by the pipeline when a head needs it
        self.encoded = None  # newssift.models.encoder.EncodedText, set when a head needs it
        self.title_embedding = None  # (384,) embed_sentences of the title, set with `encoded`
        self.shared: dict[str, Any] = {}  # results one head leaves for later ones ("quotes", ...)

    @property
    def text(self) -> str:
        return self.article.text


class Context:
    """Settings and resources for one Analyzer: database URL, options from the caller."""

    def __init__(self, db_url: str | None = None, options: dict | None = None):
        from newssift import settings

        self.db_url = db_url or settings.database_url()
        self.options = options or {}


class Head:
    """Base class. Subclasses set `name`, `section`, `needs`, and implement `__call__`."""

    name: str = ""
    section: str = ""  # "stop" | "source" | "coverage" | "claims" | "summary"
    needs: tuple[str, ...] = ()  # "spacy" and/or "encoder": computed once per article, shared
    languages: frozenset[str] | None = frozenset({"en"})  # None: any language
    description: str = ""

    def __init__(self, context: Context):
        self.context = context

    def load(self) -> None:
        """Load models and resources. Raise `NotBuilt`, `ModelMissing` or `ResourceMissing`."""

    def __call__(self, doc: Doc) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def pipe(self, docs: Iterable[Doc]) -> None:
        """Batch version; heads that batch better (a model over many sentences) override it."""
        for doc in docs:
            self(doc)


__all__ = ["Head", "Doc", "Context", "NotBuilt", "ModelMissing", "ResourceMissing"]
