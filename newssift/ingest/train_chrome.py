"""Learn what page chrome looks like from real pages: ``newssift train chrome``.

On each page of the extraction benchmark (``html/*.html.gz`` + ``ground-truth.json``), every
line of the page's visible text and of trafilatura's recall-oriented extraction is labelled:
story if it belongs to the gold body, chrome if not. A logistic regression over the shape
features of `newssift.ingest.chrome.line_features` learns the difference. The threshold is set
so that, in cross-validation by page, almost no story line would be dropped.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import date
from pathlib import Path

from newssift.evaluation.common import log, require
from newssift.ingest.chrome import is_story_shaped, line_features


def _norm(line: str) -> str:
    return re.sub(r"\W+", " ", line.lower()).strip()


_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "div", "td", "th", "figcaption", "blockquote", "dt",
           "dd", "section", "header", "footer", "aside", "nav", "article", "span", "a", "button", "label"}


def visible_lines(html: bytes) -> str:
    """The page's visible text, one line per innermost block element."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    for bad in tree.xpath("//script|//style|//noscript|//template|//svg"):
        bad.drop_tree()
    lines = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag not in _BLOCKS:
            continue
        if any(isinstance(child.tag, str) and child.tag in _BLOCKS for child in element.iterdescendants()):
            continue
        text = " ".join(element.text_content().split())
        if text:
            lines.append(text)
    return "\n".join(lines)


def labelled_lines(page_dir: Path) -> list[tuple[str, list[tuple[str, float, int]]]]:
    """[(page key, [(line, position, label)])]; label 1 = chrome, 0 = story."""
    import trafilatura

    truth = json.loads((page_dir / "ground-truth.json").read_text("utf-8"))
    pages = []
    for key in sorted(truth):
        html = gzip.decompress((page_dir / "html" / f"{key}.html.gz").read_bytes())
        gold_lines = {_norm(l) for l in truth[key]["articleBody"].split("\n") if _norm(l)}
        gold_text = _norm(truth[key]["articleBody"])
        seen, lines = set(), []
        recall_text = trafilatura.extract(html, include_comments=False, favor_recall=True) or ""
        visible = visible_lines(html)
        for source in (recall_text, visible):
            for line in source.split("\n"):
                n = _norm(line)
                if not n or n in seen or len(line) > 600:
                    continue
                seen.add(n)
                lines.append(line.strip())
        total = len(lines)
        labelled = []
        for i, line in enumerate(lines):
            n = _norm(line)
            story = n in gold_lines or (len(n) > 30 and n in gold_text)
            labelled.append((line, i / max(1, total - 1), 0 if story else 1))
        pages.append((key, labelled))
    return pages


def fit(pages, C: float = 0.5):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    X, y = [], []
    for _, lines in pages:
        for line, position, label in lines:
            X.append(line_features(line, position))
            y.append(label)
    vectorizer = DictVectorizer()
    model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    model.fit(vectorizer.fit_transform(X), y)
    weights = {name: float(w) for name, w in zip(vectorizer.get_feature_names_out(), model.coef_[0]) if abs(w) > 1e-4}
    weights["bias"] = weights.get("bias", 0.0) + float(model.intercept_[0])
    return weights


def _probability(weights, line, position):
    import math

    z = sum(weights.get(k, 0.0) * v for k, v in line_features(line, position).items())
    return 1 / (1 + math.exp(-max(-30, min(30, z))))


def cross_validate(pages, folds: int = 5, thresholds=(0.5, 0.7, 0.9, 0.95, 0.98, 0.99)):
    """Per threshold: share of story lines dropped, share of chrome lines caught (by-page folds).

    Only lines that are not story-shaped can be dropped by the model, as at run time.
    """
    stats = {t: {"story_dropped": 0, "story": 0, "chrome_caught": 0, "chrome": 0} for t in thresholds}
    for fold in range(folds):
        train = [p for i, p in enumerate(pages) if i % folds != fold]
        test = [p for i, p in enumerate(pages) if i % folds == fold]
        weights = fit(train)
        for _, lines in test:
            for line, position, label in lines:
                p = 0.0 if is_story_shaped(line) else _probability(weights, line, position)
                for t in thresholds:
                    s = stats[t]
                    if label == 0:
                        s["story"] += 1
                        s["story_dropped"] += p >= t
                    else:
                        s["chrome"] += 1
                        s["chrome_caught"] += p >= t
    return {t: {"story_dropped": s["story_dropped"] / max(1, s["story"]),
                "chrome_caught": s["chrome_caught"] / max(1, s["chrome"])} for t, s in stats.items()}


def train_chrome(data_dir: Path | None = None, out_dir: Path | None = None, max_story_loss: float = 0.005) -> dict:
    from newssift import settings

    data_dir = Path(data_dir) if data_dir else settings.shared_data_dir()
    if data_dir is None:
        from newssift.errors import InputError

        raise InputError("Give --data: the folder of public data sets (laid out like ../shared/data).")
    page_dir = data_dir / "extraction-zyte" / "train"
    require(page_dir, "html", "ground-truth.json")
    log(f"labelling lines of {page_dir}")
    pages = labelled_lines(page_dir)
    cv = cross_validate(pages)
    safe = [t for t, s in sorted(cv.items()) if s["story_dropped"] <= max_story_loss]
    threshold = safe[0] if safe else 0.95
    weights = fit(pages)
    out_dir = Path(out_dir) if out_dir else Path(__file__).resolve().parents[1] / "models" / "artefacts" / "chrome"
    out_dir.mkdir(parents=True, exist_ok=True)
    n_lines = sum(len(l) for _, l in pages)
    n_chrome = sum(lab for _, l in pages for *_, lab in l)
    (out_dir / "line_model.json").write_text(json.dumps({
        "threshold": threshold, "weights": dict(sorted(weights.items())),
        "trained": date.today().isoformat(), "pages": len(pages), "lines": n_lines, "chrome_lines": n_chrome,
        "cross_validation": {str(k): v for k, v in cv.items()},
    }, indent=1, sort_keys=False))
    log(f"threshold {threshold}; cross-validation {cv[threshold]}")
    return {"threshold": threshold, "lines": n_lines, "chrome_lines": n_chrome, "cv": cv[threshold]}
