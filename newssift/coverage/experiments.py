"""The CheckThat! tasks used to tune and measure matching: collections, queries, qrels by split.

Paths are relative to a folder laid out like ``../shared/data``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from newssift import settings
from newssift.coverage import checkthat as ct

SNOPES = "claimmatch-clef2022-2a"
POLITIFACT = "claimmatch-clef2021-2b"


@dataclass
class Task:
    name: str
    collection: list[dict]
    queries: dict[str, str]  # id -> text as the matcher sees it
    qrels: dict[str, dict[str, set[str]]]  # split -> qid -> relevant vclaim ids
    context: dict[str, str] = field(default_factory=dict)  # qid -> preceding transcript lines
    meta: dict[str, dict] = field(default_factory=dict)  # qid -> {"speaker", "date"} where known

    def split(self, name: str) -> tuple[dict[str, str], dict[str, set[str]]]:
        qrels = self.qrels[name]
        return {q: self.queries[q] for q in qrels if q in self.queries}, qrels


def data_dir(path: str | Path | None = None) -> Path:
    found = Path(path) if path else settings.shared_data_dir()
    if found is None:
        raise FileNotFoundError("No data folder: pass one or set NEWSSIFT_DATA.")
    return found


@lru_cache(maxsize=4)
def snopes_task(root: str | None = None) -> Task:
    d = data_dir(root) / SNOPES
    queries = ct.read_queries(d / "CT2022-Task2A-EN-Train-Dev_Queries.tsv")
    queries.update(ct.read_queries(d / "CT2022-Task2A-EN-Dev-Test_Queries.tsv"))
    meta = ct.query_meta(queries)
    queries = {q: ct.clean_tweet(t) or t for q, t in queries.items()}
    qrels = {
        "train": ct.read_qrels(d / "CT2022-Task2A-EN-Train_QRELs.tsv"),
        "dev": ct.read_qrels(d / "CT2022-Task2A-EN-Dev_QRELs.tsv"),
        "dev-test": ct.read_qrels(d / "CT2022-Task2A-EN-Dev-Test_QRELs.tsv"),
    }
    return Task("2022-2A", ct.read_collection(d / "vclaims.jsonl"), queries, qrels, meta=meta)


@lru_cache(maxsize=4)
def politifact_task(root: str | None = None) -> Task:
    d = data_dir(root) / POLITIFACT
    queries = ct.read_queries(d / "train-dev" / "iclaims.queries")
    qrels = {
        "train": ct.read_qrels(d / "train-dev" / "train.tsv"),
        "dev": ct.read_qrels(d / "train-dev" / "dev.tsv"),
    }
    collection = ct.read_collection(d / "politifact-vclaims.jsonl.gz")
    for rec in collection:
        rec.pop("text", None)  # the article bodies are large and not searched
    context = ct.transcript_context(queries, d / "train-dev" / "transcripts")
    meta = ct.query_meta(queries, d / "train-dev" / "transcripts")
    return Task("2021-2B", collection, queries, qrels, context, meta)


def text_sets(root: str | None = None) -> dict[str, list[str]]:
    """Every text list that tuning embeds, in the order training embeds them (the cache keys
    on the exact list)."""
    out: dict[str, list[str]] = {}
    for task in (snopes_task(root), politifact_task(root)):
        ids = sorted(task.queries)
        out[f"{task.name}/queries"] = [task.queries[q] for q in ids]
        if task.context:
            out[f"{task.name}/context"] = [(task.context.get(q, "") + " " + task.queries[q]).strip() for q in ids]
        out[f"{task.name}/combined"] = [ct.collection_text(r) for r in task.collection]
    return out
