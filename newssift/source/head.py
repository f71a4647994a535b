"""Investigate the source: who publishes this article, and what do the open rating lists say?

The page's own address decides (URL, canonical URL, domain from ingest). Without one, the
outlet is inferred from how the page names itself, and the report says so, quoting the phrase.
"""

from __future__ import annotations

from newssift.errors import ResourceMissing
from newssift.head import Doc, Head


class SourceHead(Head):
    name = "source"
    section = "source"
    needs = ()
    languages = None  # domains and self-references do not depend on the article's language
    description = "Outlet ratings from open lists, each named and dated."
    _index = None  # the outlet-name index, built on the first article without a URL

    def load(self) -> None:
        from newssift.source.ratings import INSTALL_MESSAGE, lists_installed

        if not lists_installed(self.context.db_url):
            raise ResourceMissing(INSTALL_MESSAGE)

    def _names(self):
        if self._index is None:
            from newssift.source.ratings import name_index

            self._index = name_index(self.context.db_url)
        return self._index

    def __call__(self, doc: Doc) -> None:
        result = source_for_article(doc.article, self.context.db_url, self._names)
        doc.report.source.update(result)
        doc.shared["source"] = result


def source_for_article(article, db_url: str | None, names) -> dict:
    """The `source` object for an article: from its address, else inferred from its text."""
    from newssift.source.domains import parse_source
    from newssift.source.outlet import infer_outlet
    from newssift.source.ratings import source_object

    for field_name, value in (("url", article.url), ("canonical_url", article.canonical_url),
                              ("domain", article.domain)):
        parsed = parse_source(value) if value else None
        if parsed is not None:
            result = source_object(parsed, db_url=db_url)
            result["domain_from"] = field_name
            if not result.get("outlet"):
                inferred = infer_outlet(article, names())
                if inferred and inferred["domain"] == parsed.domain:
                    result["outlet"] = inferred["name"]
            return result

    inferred = infer_outlet(article, names())
    if inferred is None:
        return {
            "domain": None, "outlet": None, "inferred": False, "evidence": None, "quality": None,
            "label": "unrated", "ratings": [], "disagreement": None, "domain_from": None,
            "note": "No URL was given and the text does not name its publisher; give the page's address "
                    "with --url to rate the outlet.",
        }
    result = source_object(parse_source(inferred["domain"]), db_url=db_url)
    result.update({
        "outlet": inferred["name"],
        "inferred": True,
        "evidence": inferred["evidence"],
        "clues": inferred["clues"],
        "alternatives": inferred["alternatives"],
        "domain_from": "text",
        "note": f"No URL was given; the page names itself {inferred['name']!r} "
                f"({inferred['evidence']['text']!r}), so the outlet is taken to be {inferred['domain']}.",
    })
    return result
