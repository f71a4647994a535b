"""Batch runs: analyse a corpus, stream results out as they finish, resume after any interruption.

Output is JSONL, one line per item: ``{"id": ..., "report": {...}}`` or ``{"id": ..., "error": "..."}``
(and/or the reports database). Each line is written whole and flushed as soon as its item is
done, so a run killed at any point (even ``kill -9``) loses at most the line being written; the
rerun truncates that torn line, skips every id already in the output, and carries on: nothing is
lost and nothing is doubled. A failing item is recorded with its error and the run goes on.
Items are known by id (see `newssift.ingest.corpus`): an id seen twice is analysed once.

Engines: ``local`` (this process, or ``workers`` processes with one Analyzer each) and ``dask``
(a dask.distributed cluster; each worker process keeps one Analyzer). Output order follows
completion, not input; compare runs by id.

Heads: every head by default; ``heads=`` (CLI ``--heads``, env ``NEWSSIFT_HEADS``) names a subset,
e.g. ``propaganda,summary``, for fast runs.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from newssift.article import Article
from newssift.errors import InputError

CHUNK_SIZE = 4  # articles per task: enough to batch the encoder, small enough to stream results
FSYNC_EVERY_S = 1.0


# -- heads ------------------------------------------------------------------------------------------
def resolve_heads(heads: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """Head names ("propaganda,summary") to `pipeline.HEADS` entries; None means every head."""
    from newssift.pipeline import HEADS, load_head_class

    if heads is None:
        heads = os.environ.get("NEWSSIFT_HEADS") or None
    if heads is None:
        return None
    names = [h.strip() for h in (heads.split(",") if isinstance(heads, str) else heads) if h.strip()]
    by_name = {load_head_class(path).name: path for path in HEADS}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise InputError(f"Unknown head(s): {', '.join(unknown)}; the heads are {', '.join(by_name)}.")
    return tuple(path for name, path in by_name.items() if name in names)  # pipeline order


# -- analysis in a worker (a process of the pool, or a Dask worker) ------------------------------------
_analyzers: dict = {}
_analyzer_lock = threading.Lock()


def _analyzer(head_paths, db_url):
    from newssift.pipeline import Analyzer

    key = (head_paths, db_url)
    with _analyzer_lock:
        if key not in _analyzers:
            _analyzers[key] = Analyzer(heads=head_paths, db_url=db_url)
        return _analyzers[key]


class ArticleTimeout(BaseException):
    """Not an Exception: the pipeline's per-head error handling must not swallow it."""


@contextmanager
def _time_limit(seconds: float):
    """A wall-clock limit (SIGALRM) where one can be set: the main thread of a process on POSIX.

    Dask runs tasks in threads, where no alarm can be set; there a stuck article holds its
    worker thread until it finishes.
    """
    if seconds <= 0 or not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(_signum, _frame):
        raise ArticleTimeout()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def analyze_chunk(chunk: list[tuple[str, dict]], head_paths=None, db_url=None,
                  seconds_per_article: float | None = None) -> list[tuple[str, dict | None, str | None]]:
    """[(item id, article dict)] -> [(item id, report dict, None) or (item id, None, error)]."""
    from newssift import settings

    limit = settings.MAX_SECONDS_PER_ARTICLE if seconds_per_article is None else seconds_per_article
    analyzer = _analyzer(head_paths, db_url)
    articles = [Article.from_dict(a) for _, a in chunk]
    # Dask threads of one process share the Analyzer: analyse one chunk at a time
    with _analyzer_lock:
        try:
            with _time_limit(limit * len(articles)):
                reports = list(analyzer.pipe(articles, batch_size=len(articles)))
            return [(item_id, report.to_dict(), None) for (item_id, _), report in zip(chunk, reports)]
        except (Exception, ArticleTimeout):
            pass
        results = []
        for (item_id, _), article in zip(chunk, articles):  # find the item that fails, keep the others
            try:
                with _time_limit(limit):
                    results.append((item_id, analyzer.analyze(article).to_dict(), None))
            except ArticleTimeout:
                results.append((item_id, None, f"The analysis took longer than {limit:g} s; gave up on this item."))
            except Exception as exc:
                results.append((item_id, None, f"The analysis failed: {type(exc).__name__}: {exc}"))
        return results


# -- where results go --------------------------------------------------------------------------------
class JsonlOutput:
    """Append-only JSONL with crash recovery: a torn last line is cut off, done ids are read back."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.done: set[str] = set()
        self._recover()
        self.handle = open(self.path, "ab")
        self._last_sync = time.monotonic()

    def _recover(self) -> None:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return
        good_end = 0
        with open(self.path, "rb") as handle:
            offset = 0
            for line in handle:
                offset += len(line)
                if not line.endswith(b"\n"):
                    break  # torn by an interruption: cut it off below
                try:
                    item_id = json.loads(line)["id"]
                except (ValueError, KeyError, TypeError):
                    good_end = offset  # a damaged line mid-file: keep it, its item is redone
                    continue
                self.done.add(str(item_id))
                good_end = offset
        if good_end < self.path.stat().st_size:
            with open(self.path, "r+b") as handle:
                handle.truncate(good_end)
                os.fsync(handle.fileno())

    def write(self, item_id: str, report: dict | None, error: str | None) -> None:
        record = {"id": item_id, "report": report} if error is None else {"id": item_id, "error": error}
        self.handle.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        self.handle.flush()  # in the kernel now: a killed process loses nothing
        if time.monotonic() - self._last_sync > FSYNC_EVERY_S:
            os.fsync(self.handle.fileno())  # and on disk, every second, against power loss
            self._last_sync = time.monotonic()

    def close(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()


class DatabaseOutput:
    """Reports into the reports database; failed items into batch_errors, so reruns skip them too."""

    def __init__(self, db_url: str | None):
        from newssift.store import stored_item_ids

        self.db_url = db_url
        self.done = stored_item_ids(db_url)

    def write(self, item_id: str, report: dict | None, error: str | None) -> None:
        from newssift.store import store_batch_error, store_report

        if error is None:
            store_report(report, db_url=self.db_url, item_id=item_id)
        else:
            store_batch_error(item_id, error, db_url=self.db_url)

    def close(self) -> None:
        pass


# -- the run ---------------------------------------------------------------------------------------------
def iter_items(inputs: Iterable[str | Path]) -> Iterator[tuple[str, Article | str]]:
    from newssift.ingest.corpus import read_corpus

    for path in inputs:
        yield from read_corpus(path)


def _chunks(items, done: set[str], on_skip, on_error, size: int) -> Iterator[list[tuple[str, dict]]]:
    """Chunks of (id, article dict) still to analyse; unreadable items go straight to `on_error`."""
    chunk: list[tuple[str, dict]] = []
    for item_id, value in items:
        if item_id in done:
            on_skip()
            continue
        done.add(item_id)  # a repeated id in the input is analysed once
        if isinstance(value, str):
            on_error(item_id, value)
            continue
        chunk.append((item_id, value.to_dict()))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run(inputs: Sequence[str | Path], out: str | Path | None = None, db_url: str | None = None, workers: int = 1,
        engine: str = "local", scheduler=None, heads: str | Sequence[str] | None = None,
        chunk_size: int = CHUNK_SIZE, progress: bool = True) -> dict:
    """Analyse every item of `inputs` into `out` (JSONL) and/or the database; return counts.

    `scheduler`: a Dask scheduler address (``tcp://host:8786``), or a ``distributed.Client`` or
    cluster object, for ``engine="dask"``.
    """
    if out is None and db_url is None:
        raise InputError("Say where results go: --out FILE.jsonl and/or --db URL.")
    if engine not in ("local", "dask"):
        raise InputError(f"Unknown engine {engine!r}: use local or dask.")
    if engine == "dask" and scheduler is None:
        raise InputError("The dask engine needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786).")
    if workers < 1:
        raise InputError("--workers must be at least 1.")
    from newssift.ingest.corpus import corpus_format, count_items

    inputs = [Path(p) for p in inputs]
    for path in inputs:
        corpus_format(path)  # fail now on a missing or unknown input, not after an hour
    head_paths = resolve_heads(heads)

    outputs = []
    if out is not None:
        outputs.append(JsonlOutput(Path(out)))
    if db_url is not None:
        outputs.append(DatabaseOutput(db_url))
    done = set(outputs[0].done)  # the first output is the record of what is done
    counts = {"analysed": 0, "errors": 0, "skipped": 0}

    totals = [count_items(p) for p in inputs]
    total = sum(totals) if all(t is not None for t in totals) else None
    bar = _Progress(total, enabled=progress)

    def emit(item_id, report, error):
        # the first output is the record of what is done: written last, so that a run killed
        # between two writes redoes the item (idempotent in the database) instead of losing it
        for output in reversed(outputs):
            output.write(item_id, report, error)
        counts["errors" if error is not None else "analysed"] += 1
        bar.advance()

    def skip():
        counts["skipped"] += 1
        bar.advance()

    chunks = _chunks(iter_items(inputs), done, skip, lambda i, e: emit(i, None, e), chunk_size)
    try:
        with bar:
            if engine == "dask":
                _run_dask(chunks, emit, head_paths, db_url, scheduler)
            elif workers == 1:
                for chunk in chunks:
                    for item_id, report, error in analyze_chunk(chunk, head_paths, db_url):
                        emit(item_id, report, error)
            else:
                _run_pool(chunks, emit, head_paths, db_url, workers)
    finally:
        for output in outputs:
            output.close()
    return counts


def _run_pool(chunks, emit, head_paths, db_url, workers: int) -> None:
    import multiprocessing

    # spawn, not fork: the parent holds threads (progress bar) and possibly loaded models
    from newssift.settings import share_cores

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=share_cores, initargs=(workers,)) as pool:
        pending = set()
        for chunk in chunks:
            pending.add(pool.submit(analyze_chunk, chunk, head_paths, db_url))
            if len(pending) >= workers * 2:  # bounded: a corpus of millions is never all in memory
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                _emit_all(finished, emit)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            _emit_all(finished, emit)


def _emit_all(futures, emit) -> None:
    for future in futures:
        for item_id, report, error in future.result():
            emit(item_id, report, error)


def _run_dask(chunks, emit, head_paths, db_url, scheduler) -> None:
    from distributed import Client, as_completed

    own_client = not isinstance(scheduler, Client)
    client = Client(scheduler) if own_client else scheduler
    try:
        slots = max(2, 2 * sum(client.nthreads().values()))
        running = as_completed()
        in_flight = 0
        for chunk in chunks:
            running.add(client.submit(analyze_chunk, chunk, head_paths, db_url, pure=False))
            in_flight += 1
            while in_flight >= slots:
                future = next(running)
                in_flight -= 1
                for result in future.result():
                    emit(*result)
                future.release()
        for future in running:
            for result in future.result():
                emit(*result)
            future.release()
    finally:
        if own_client:
            client.close()


class _Progress:
    """A rich progress bar on stderr (items done of total, rate, time left)."""

    def __init__(self, total: int | None, enabled: bool = True):
        self.progress = None
        if enabled:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.progress = Progress(TextColumn("analysing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                     TimeRemainingColumn(), console=Console(stderr=True), transient=False)
            self.task = self.progress.add_task("batch", total=total)

    def __enter__(self):
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.stop()

    def advance(self) -> None:
        if self.progress is not None:
            self.progress.advance(self.task)
