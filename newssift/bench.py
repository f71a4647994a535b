"""`newssift bench`: speed of the whole analysis against the bare encoder, on a fixed public corpus.

The corpus is the 371 articles of PTC train (``propaganda-ptc/train/articles``; first line the
title). Both measurements run in the same process on the same texts, after a warm-up that loads
every model, so the ratio says how much the analysis adds to its cost floor, the encoder. They
alternate for a few rounds and the medians are reported, because a shared machine's speed drifts.
Stage times overlap: the encoder runs in its own thread while spaCy and the heads work.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from newssift import settings
from newssift.errors import InputError
from newssift.evaluation.common import log

BATCH_SIZE = 8  # articles per pipeline batch (the Analyzer's default)


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


def _analyse_all(texts: list[str], batch_size: int = BATCH_SIZE, analyzer=None) -> tuple[float, dict[str, float]]:
    from newssift.ingest import read_text
    from newssift.pipeline import Analyzer

    if analyzer is None:
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


_WORKER_ANALYZER = None


def _init_worker(workers: int, warm_up: list[str]) -> None:
    """Each worker process: its share of the cores, its own Analyzer, every model loaded."""
    global _WORKER_ANALYZER
    from newssift.ingest import read_text
    from newssift.pipeline import Analyzer
    from newssift.settings import share_cores

    share_cores(workers)
    _WORKER_ANALYZER = Analyzer()
    list(_WORKER_ANALYZER.pipe([read_text(t) for t in warm_up]))


def _worker(texts: list[str], batch_size: int) -> tuple[float, dict[str, float], float]:
    elapsed, stages = _analyse_all(texts, batch_size, _WORKER_ANALYZER)
    return elapsed, stages, peak_rss_mb()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _bare_encoder(bodies: list[str], batch_size: int = 16) -> float:
    """Articles per second of the encoder alone over the article bodies."""
    from newssift.models.encoder import get_encoder

    encoder = get_encoder()
    t0 = time.perf_counter()
    for i in range(0, len(bodies), batch_size):
        encoder.encode_batch(bodies[i:i + batch_size])
    return len(bodies) / (time.perf_counter() - t0)


def run(corpus: Path | None = None, limit: int | None = None, workers: int = 1, rounds: int = 3,
        batch_size: int = BATCH_SIZE) -> dict:
    """Alternate the whole analysis and the bare encoder over the same texts, `rounds` times each;
    report the medians (a shared or virtual machine drifts: alternating keeps the two comparable)."""
    if rounds < 1:
        raise InputError("--rounds must be at least 1.")
    corpus = Path(corpus) if corpus else default_corpus()
    texts = load_texts(corpus, limit)
    log(f"bench: {len(texts)} articles from {corpus}, {workers} worker(s), {rounds} round(s)")
    result: dict = {"articles": len(texts), "corpus": str(corpus), "workers": workers, "rounds": rounds,
                    "batch_size": batch_size, "cpu_count": os.cpu_count()}

    from newssift.ingest import read_text

    bodies = [read_text(t).text for t in texts]
    analyzer = None
    if workers <= 1:
        from newssift.pipeline import Analyzer

        analyzer = Analyzer()
        list(analyzer.pipe([read_text(t) for t in texts[:2]]))  # warm-up: load every model
    pool = None
    if workers > 1:
        import multiprocessing

        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(workers, texts[:2]))
        # start every worker and load its models before the clock runs
        list(pool.map(_worker, [texts[:1]] * workers, [batch_size] * workers))
    encoder_error = None
    per_round = []
    stages: dict[str, float] = {}
    peak = 0.0
    try:
        for r in range(rounds):
            if pool is None:
                elapsed, round_stages = _analyse_all(texts, batch_size, analyzer)
                peak = max(peak, peak_rss_mb())
            else:
                chunks = [texts[i::workers] for i in range(workers)]
                start = time.perf_counter()
                outcomes = list(pool.map(_worker, chunks, [batch_size] * workers))
                elapsed = time.perf_counter() - start
                round_stages = {}
                for _, worker_stages, _ in outcomes:
                    for k, v in worker_stages.items():
                        round_stages[k] = round_stages.get(k, 0.0) + v
                peak = max(peak, sum(o[2] for o in outcomes) + peak_rss_mb())
            for k, v in round_stages.items():
                stages[k] = stages.get(k, 0.0) + v / rounds
            entry = {"articles_per_second": len(texts) / elapsed, "encoder_articles_per_second": None, "ratio": None}
            if encoder_error is None:
                try:
                    _bare_encoder(bodies[:2])
                    # the encoder alone, in one process with every core: the machine's cost floor
                    encoder_aps = _bare_encoder(bodies)
                    entry["encoder_articles_per_second"] = encoder_aps
                    entry["ratio"] = entry["articles_per_second"] / encoder_aps
                except Exception as exc:  # no encoder in this build: the ratio cannot be measured
                    encoder_error = str(exc)
                    log(f"bare encoder not measured: {exc}")
            per_round.append(entry)
            log(f"round {r + 1}/{rounds}: {entry['articles_per_second']:.3f} articles/s"
                + (f", encoder alone {entry['encoder_articles_per_second']:.3f}, ratio {entry['ratio']:.3f}"
                   if entry["ratio"] else ""))
    finally:
        if pool is not None:
            pool.shutdown()

    for key in ("articles_per_second", "encoder_articles_per_second", "ratio"):
        values = [e[key] for e in per_round if e[key] is not None]
        result[key] = round(statistics.median(values), 3) if values else None
    result["seconds_per_round"] = round(len(texts) / result["articles_per_second"], 2)
    result["peak_rss_mb"] = round(max(peak, peak_rss_mb()), 1)
    if encoder_error is None:
        from newssift.models.encoder import get_encoder

        encoder = get_encoder()
        result["encoder_providers"] = encoder.providers
        result["encoder_threads"] = encoder.threads
    total = sum(v for k, v in stages.items() if k != "encoder") or 1.0
    result["stages_seconds_per_article"] = {k: round(v / len(texts), 5) for k, v in
                                            sorted(stages.items(), key=lambda kv: -kv[1])}
    # the encoder runs beside spaCy and the heads (another thread): its share is of its own
    result["stages_share"] = {k: round(v / total, 3) for k, v in sorted(stages.items(), key=lambda kv: -kv[1])
                              if k != "encoder"}
    result["per_round"] = [{k: (round(v, 3) if v is not None else None) for k, v in e.items()} for e in per_round]
    return result
