"""`newssift bench`: speed of the whole analysis against the bare encoder, on a fixed public corpus.

The corpus is the 371 articles of PTC train (``propaganda-ptc/train/articles``; first line the
title). Both measurements run in the same process on the same texts, after a warm-up that loads
every model, so the ratio says how much the analysis adds to its cost floor, the encoder.
"""

from __future__ import annotations

import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from newssift import settings
from newssift.errors import InputError
from newssift.evaluation.common import log


def default_corpus() -> Path:
    data = settings.shared_data_dir()
    if data is None or not (data / "propaganda-ptc" / "train" / "articles").is_dir():
        raise InputError("Give --corpus: a folder of article*.txt (default: ../shared/data/propaganda-ptc/train/articles).")
    return data / "propaganda-ptc" / "train" / "articles"


def load_texts(corpus: Path, limit: int | None) -> list[str]:
    files = sorted(Path(corpus).glob("*.txt"))
    if not files:
        raise InputError(f"No .txt articles in {corpus}.")
    return [f.read_text("utf-8") for f in files[:limit] if f.read_text("utf-8").strip()]


def _analyse_all(texts: list[str], batch_size: int = 16) -> tuple[float, dict[str, float]]:
    from newssift.ingest import read_text
    from newssift.pipeline import Analyzer

    analyzer = Analyzer()
    list(analyzer.pipe([read_text(t) for t in texts[:2]]))  # warm-up: load every model
    stages: dict[str, float] = {}
    start = time.perf_counter()
    t0 = time.perf_counter()
    articles = [read_text(t) for t in texts]
    stages["ingest"] = time.perf_counter() - t0
    for report in analyzer.pipe(articles, batch_size=batch_size):
        for stage, seconds in report.timings.items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    return time.perf_counter() - start, stages


def _worker(texts: list[str]) -> tuple[float, dict[str, float], float]:
    elapsed, stages = _analyse_all(texts)
    return elapsed, stages, peak_rss_mb()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(corpus: Path | None = None, limit: int | None = None, workers: int = 1) -> dict:
    corpus = Path(corpus) if corpus else default_corpus()
    texts = load_texts(corpus, limit)
    log(f"bench: {len(texts)} articles from {corpus}, {workers} worker(s)")
    result: dict = {"articles": len(texts), "corpus": str(corpus), "workers": workers, "cpu_count": os.cpu_count()}

    if workers <= 1:
        elapsed, stages = _analyse_all(texts)
        peak = peak_rss_mb()
    else:
        chunks = [texts[i::workers] for i in range(workers)]
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(_worker, chunks))
        elapsed = time.perf_counter() - start  # wall time, warm-up of each worker included
        stages = {}
        for _, worker_stages, _ in outcomes:
            for k, v in worker_stages.items():
                stages[k] = stages.get(k, 0.0) + v
        peak = max(o[2] for o in outcomes) + peak_rss_mb()
    result["articles_per_second"] = round(len(texts) / elapsed, 3)
    result["seconds"] = round(elapsed, 2)

    encoder_aps = None
    try:
        from newssift.ingest import read_text
        from newssift.models.encoder import get_encoder

        encoder = get_encoder()
        bodies = [read_text(t).text for t in texts]
        encoder.encode_batch(bodies[:2])
        t0 = time.perf_counter()
        for i in range(0, len(bodies), 16):
            encoder.encode_batch(bodies[i:i + 16])
        encoder_seconds = time.perf_counter() - t0
        encoder_aps = len(bodies) / encoder_seconds
        if workers > 1:
            encoder_aps *= workers  # the bare encoder's floor with the same number of processes
    except Exception as exc:  # no encoder in this build: the ratio cannot be measured
        log(f"bare encoder not measured: {exc}")
    result["encoder_articles_per_second"] = round(encoder_aps, 3) if encoder_aps else None
    result["ratio"] = round(result["articles_per_second"] / encoder_aps, 3) if encoder_aps else None
    result["peak_rss_mb"] = round(max(peak, peak_rss_mb()), 1)
    total = sum(stages.values()) or 1.0
    result["stages_seconds_per_article"] = {k: round(v / len(texts), 5) for k, v in
                                            sorted(stages.items(), key=lambda kv: -kv[1])}
    result["stages_share"] = {k: round(v / total, 3) for k, v in sorted(stages.items(), key=lambda kv: -kv[1])}
    return result
