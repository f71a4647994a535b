"""`newssift evaluate extraction PATH`: main-text extraction on pages with a gold body.

PATH holds ``html/<key>.html.gz`` and ``ground-truth.json`` ({key: {"articleBody", "url"}}).
Per page, lowercase ``\\w+`` tokens of the extracted and the gold text are compared as
multisets: precision = |extracted ∩ gold| / |extracted|, recall = |extracted ∩ gold| / |gold|;
the reported figures are the means over pages (F1 too is the mean of per-page F1).
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

from newssift.evaluation.common import f1, log, require

_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> Counter:
    return Counter(_TOKEN.findall((text or "").lower()))


def page_scores(extracted: str, gold: str) -> tuple[float, float, float]:
    ext, ref = tokens(extracted), tokens(gold)
    common = sum((ext & ref).values())
    n_ext, n_ref = sum(ext.values()), sum(ref.values())
    if n_ext == 0 and n_ref == 0:
        return 1.0, 1.0, 1.0
    precision = common / n_ext if n_ext else 0.0
    recall = common / n_ref if n_ref else 0.0
    return precision, recall, f1(precision, recall)


def extract_body(html: bytes, url: str | None, baseline: bool) -> str:
    if baseline:
        import trafilatura

        return trafilatura.extract(html, url=url, include_comments=False) or ""
    from newssift.errors import InputError
    from newssift.ingest.html import read_html

    try:
        return read_html(html, url=url).text
    except InputError:
        return ""


def evaluate(path: Path, baseline: bool = False) -> dict:
    path = Path(path)
    require(path, "html", "ground-truth.json")
    truth = json.loads((path / "ground-truth.json").read_text("utf-8"))
    scores = []
    pages = sorted(truth)
    for i, key in enumerate(pages, 1):
        page = path / "html" / f"{key}.html.gz"
        if not page.exists():
            log(f"missing page {page.name}; skipped")
            continue
        html = gzip.decompress(page.read_bytes())
        extracted = extract_body(html, truth[key].get("url"), baseline)
        scores.append(page_scores(extracted, truth[key].get("articleBody", "")))
        if i % 10 == 0:
            log(f"{i}/{len(pages)} pages")
    n = len(scores) or 1
    return {
        "precision": round(sum(s[0] for s in scores) / n, 4),
        "recall": round(sum(s[1] for s in scores) / n, 4),
        "f1": round(sum(s[2] for s in scores) / n, 4),
        "pages": len(scores),
        "extractor": "trafilatura 2.3 defaults (comments excluded)" if baseline else "newssift ingest",
    }
