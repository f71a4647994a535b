"""`newssift evaluate hyperpartisan PATH`: accuracy, F1, precision, recall (SemEval-2019 Task 4 layout)."""

from __future__ import annotations

from pathlib import Path

from newssift.article import Article
from newssift.errors import InputError
from newssift.evaluation.heads import run_head
from newssift.evaluation.metrics import binary_scores


def evaluate(path: str | Path) -> dict:
    from newssift.stop.hyperpartisan import HyperpartisanHead
    from newssift.stop.hyperpartisan_data import read_hyperpartisan

    items = read_hyperpartisan(path)
    labelled = [a for a in items if a.hyperpartisan is not None]
    if not labelled:
        raise InputError(f"No ground-truth.xml labels for the articles in {path}.")
    articles = (Article(text=a.text, title=a.title, language="en", links=a.links) for a in labelled)
    predicted = [doc.report.stop["hyperpartisan"]["hyperpartisan"] for doc in run_head(HyperpartisanHead, articles)]
    result = binary_scores([a.hyperpartisan for a in labelled], predicted)
    result["articles"] = len(labelled)
    return result
