"""Read the SemEval-2019 Task 4 layout: ``articles.xml`` (HTML-ish bodies) and ``ground-truth.xml``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from newssift.errors import InputError


@dataclass
class HyperpartisanArticle:
    id: str
    title: str
    text: str
    hyperpartisan: bool | None  # None when no ground truth is given
    # the article's links in order: targets of the external ones; links within the publisher's site
    # carry no target in this data and are written INTERNAL_PLACEHOLDER ("/")
    links: list[str] = field(default_factory=list)


_BLOCK_TAGS = {"p", "br", "div", "h1", "h2", "h3", "h4", "li", "blockquote"}


def _article_text(element) -> str:
    """Paragraphs on their own lines; links and inline markup flattened to their text."""
    parts: list[str] = []

    def walk(node):
        if node.text:
            parts.append(node.text)
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            walk(child)
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if child.tail:
                parts.append(child.tail)

    walk(element)
    text = "".join(parts)
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _article_links(element) -> list[str]:
    from newssift.stop.link_features import INTERNAL_PLACEHOLDER

    out = []
    for a in element.iter("a"):
        href = (a.get("href") or "").strip()
        out.append(INTERNAL_PLACEHOLDER if a.get("type") == "internal" or not href else href)
    return out


def read_hyperpartisan(path: str | Path) -> list[HyperpartisanArticle]:
    from lxml import etree

    folder = Path(path)
    articles_file = folder / "articles.xml" if folder.is_dir() else folder
    if not articles_file.exists():
        raise InputError(f"No articles.xml in {folder}.")
    truth_file = articles_file.parent / "ground-truth.xml"
    labels: dict[str, bool] = {}
    if truth_file.exists():
        for _, el in etree.iterparse(str(truth_file), tag="article"):
            labels[el.get("id")] = el.get("hyperpartisan") == "true"
            el.clear()
    articles = []
    parser_kwargs = {"tag": "article", "recover": True, "huge_tree": True}
    for _, el in etree.iterparse(str(articles_file), **parser_kwargs):
        aid = el.get("id")
        articles.append(HyperpartisanArticle(aid, el.get("title") or "", _article_text(el), labels.get(aid),
                                             _article_links(el)))
        el.clear()
    return articles
