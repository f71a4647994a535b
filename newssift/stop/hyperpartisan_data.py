"""Read the SemEval-2019 Task 4 layout: ``articles.xml`` (HTML-ish bodies) and ``ground-truth.xml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from newssift.errors import InputError


@dataclass
class HyperpartisanArticle:
    id: str
    title: str
    text: str
    hyperpartisan: bool | None  # None when no ground truth is given


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
        articles.append(HyperpartisanArticle(aid, el.get("title") or "", _article_text(el), labels.get(aid)))
        el.clear()
    return articles
