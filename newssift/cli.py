"""The `newssift` command: thin, parses arguments, calls the library, prints.

Every error a user can cause is one clear sentence on stderr and a non-zero exit, never a
traceback (set NEWSSIFT_DEBUG=1 to see one).
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import threading
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from newssift import settings
from newssift.errors import NewssiftError

app = typer.Typer(
    name="newssift",
    help=(
        "Read a news article and show, with the evidence, how far to trust it.\n\n"
        "The report follows the SIFT habit: Stop (how does it persuade?), Investigate the source "
        "(who publishes it?), Find better coverage (has it been fact-checked?), Trace claims "
        "(what is asserted, and by whom?).\n\n"
        "Examples:\n\n"
        "  newssift analyze story.html --url https://example.org/story\n\n"
        "  newssift analyze https://example.org/story --format json --out report.json\n\n"
        "  cat story.txt | newssift analyze -\n\n"
        "  newssift source reuters.com\n\n"
        "  newssift resources install --from ../shared/data\n\n"
        "  newssift evaluate extraction ../shared/data/extraction-zyte/train"
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    add_completion=False,
)
evaluate_app = typer.Typer(help="Score a head on a benchmark folder; prints one JSON object of metrics to stdout.",
                           no_args_is_help=True)
resources_app = typer.Typer(help="Install and inspect rating lists and fact-check collections.", no_args_is_help=True)
factchecks_app = typer.Typer(help="The local store of published fact-checks: import and search.", no_args_is_help=True)
train_app = typer.Typer(help="Retrain a model from the public data sets (needs `make train-env`).", no_args_is_help=True)
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(resources_app, name="resources")
app.add_typer(factchecks_app, name="factchecks")
app.add_typer(train_app, name="train")


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    html = "html"


class SourceFormat(str, Enum):
    text = "text"
    json = "json"


def call(target: str, *args, **kwargs):
    """Call ``module:function`` of the library; a part not in this build is a clear error."""
    module_name, _, func_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        func = getattr(module, func_name)
    except (ImportError, AttributeError) as exc:
        if os.environ.get("NEWSSIFT_DEBUG"):
            raise
        raise NewssiftError(f"This part of newssift ({target}) is not available in this build: {exc}.") from None
    return func(*args, **kwargs)


@contextmanager
def time_limit(seconds: int, what: str):
    """A wall-clock limit for the main thread (SIGALRM); a clear error instead of a hang."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(_signum, _frame):
        raise NewssiftError(f"{what} took longer than {seconds} s; giving up.")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


# -- analyze ---------------------------------------------------------------------------------------
@app.command()
def analyze(
    input: str = typer.Argument(..., help="A file (HTML or text, optionally .gz), an http(s) URL, or - for stdin."),
    url: Optional[str] = typer.Option(None, "--url", help="The page's address, when INPUT is a saved file or stdin."),
    format: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f", help="text (terminal), json, or html."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the report here instead of stdout."),
    allow_private_network: bool = typer.Option(False, "--allow-private-network",
                                               help="Let a URL reach loopback and private addresses."),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: SQLite in $NEWSSIFT_HOME)."),
    store: bool = typer.Option(False, "--store/--no-store", help="Keep the report in the reports database."),
    heads: Optional[str] = typer.Option(None, "--heads",
                                        help="Only these analyses, comma-separated (e.g. propaganda,quotes,summary); "
                                             "default: all, or $NEWSSIFT_HEADS."),
):
    """Analyse one article and print its report.

    Examples:

      newssift analyze story.html --url https://example.org/2016/11/story

      newssift analyze story.txt --heads propaganda,quotes,summary

      newssift analyze https://example.org/story --format json > report.json

      newssift analyze saved.txt --format html --out report.html
    """
    from newssift.batch import resolve_heads
    from newssift.ingest import read_input
    from newssift.pipeline import Analyzer

    head_paths = resolve_heads(heads)  # an unknown name fails before any reading
    with time_limit(settings.MAX_SECONDS_PER_ARTICLE, "Reading and analysing the article"):
        article = read_input(input, url=url, allow_private_network=allow_private_network)
        analyzer = Analyzer(heads=head_paths, db_url=db)
        report = analyzer.analyze(article)
    if store:
        call("newssift.store:store_report", report, db_url=db)
    if format == ReportFormat.json:
        rendered = report.to_json()
    elif format == ReportFormat.html:
        rendered = call("newssift.web.render:render_report_page", report)
    else:
        from newssift.render.text import render_text

        if out is None:
            render_text(report)
            return
        rendered = render_text(report, to_string=True)
    if out is not None:
        out.write_text(rendered, encoding="utf-8")
        typer.echo(f"Report written to {out}", err=True)
    else:
        sys.stdout.write(rendered if rendered.endswith("\n") else rendered + "\n")


# -- source ------------------------------------------------------------------------------------------
@app.command()
def source(
    domain: str = typer.Argument(..., help="A domain (reuters.com) or any URL on it."),
    format: SourceFormat = typer.Option(SourceFormat.text, "--format", "-f"),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL."),
):
    """What the open rating lists say about an outlet, each list named and dated.

    Examples:

      newssift source reuters.com

      newssift source https://www.theduran.com/some-story --format json
    """
    result = call("newssift.source.ratings:lookup_source", domain, db_url=db)
    if format == SourceFormat.json:
        print_json(result)
    else:
        from newssift.render.text import render_source

        render_source(result)


# -- resources ---------------------------------------------------------------------------------------
@resources_app.command("install")
def resources_install(
    from_dir: Optional[Path] = typer.Option(None, "--from", help="A folder laid out like the public data sets."),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL."),
    factchecks: bool = typer.Option(True, "--factchecks/--ratings-only",
                                    help="Also import and index the fact-check collections (minutes: each "
                                         "claim is embedded once) or only the rating lists (seconds)."),
):
    """Install the rating lists and fact-check collections (checksums are verified).

    Examples:

      newssift resources install --from ../shared/data

      newssift resources install --from ../shared/data --ratings-only
    """
    call("newssift.resources:install", from_dir=from_dir, db_url=db, factchecks=factchecks)


@resources_app.command("status")
def resources_status(db: Optional[str] = typer.Option(None, "--db")):
    """List what is installed, with versions and counts."""
    print_json(call("newssift.resources:status", db_url=db))


@resources_app.command("add-ratings")
def resources_add_ratings(
    file: Path = typer.Argument(..., help="CSV with a domain column and a rating column."),
    name: str = typer.Option(..., "--name", help="The list's name, shown beside its verdicts."),
    scale: str = typer.Option(..., "--scale", help="How to read the rating: '0-1', '0-100', 'low,mixed,high', ..."),
    db: Optional[str] = typer.Option(None, "--db"),
):
    """Add your own rating list from a CSV.

    Example: newssift resources add-ratings mylist.csv --name "Newsroom list" --scale 0-100
    """
    call("newssift.source.ratings:add_user_list", file, name=name, scale=scale, db_url=db)


# -- fact-checks ---------------------------------------------------------------------------------------
@factchecks_app.command("import")
def factchecks_import(
    file: Path = typer.Argument(..., help="CheckThat! JSONL(.gz), LIAR TSV, or ClaimReview JSON-LD (file or folder)."),
    db: Optional[str] = typer.Option(None, "--db"),
):
    """Import fact-checks into the local store."""
    print_json(call("newssift.coverage.factchecks:import_path", file, db_url=db))


@factchecks_app.command("search")
def factchecks_search(
    text: str = typer.Argument(..., help="A claim, in your words."),
    limit: int = typer.Option(5, "--limit", "-n"),
    format: SourceFormat = typer.Option(SourceFormat.text, "--format", "-f"),
    db: Optional[str] = typer.Option(None, "--db"),
):
    """Find published fact-checks of a claim.

    Example: newssift factchecks search "Obama was born in Kenya"
    """
    results = call("newssift.coverage.match:search", text, limit=limit, db_url=db)
    if format == SourceFormat.json:
        print_json(results)
    else:
        from newssift.render.text import render_factchecks

        render_factchecks(results)


# -- evaluate ----------------------------------------------------------------------------------------
def _evaluate(task_module: str, *args, **kwargs) -> None:
    print_json(call(f"newssift.evaluation.{task_module}:evaluate", *args, **kwargs))


@evaluate_app.command("extraction")
def evaluate_extraction(
    path: Path = typer.Argument(..., help="Folder with html/*.html.gz and ground-truth.json."),
    baseline: bool = typer.Option(False, "--baseline", help="Score trafilatura's defaults instead of newssift's ingest."),
):
    """Main-text extraction: token precision, recall and F1, averaged over pages."""
    _evaluate("extraction", path, baseline=baseline)


@evaluate_app.command("propaganda")
def evaluate_propaganda(
    path: Path = typer.Argument(..., help="Folder with articles/ and labels-TC.tsv."),
    baseline: bool = typer.Option(False, "--baseline", help="Score the word-list baseline instead of the model."),
):
    """Technique spans: official SemEval-2020 SI scorer, TC micro-F1, and span+technique F1."""
    _evaluate("propaganda", path, system="wordlist" if baseline else "model")


@evaluate_app.command("hyperpartisan")
def evaluate_hyperpartisan(path: Path = typer.Argument(..., help="Folder with articles.xml and ground-truth.xml.")):
    """Hyperpartisan tone: accuracy, F1, precision, recall."""
    _evaluate("hyperpartisan", path)


@evaluate_app.command("stance")
def evaluate_stance(path: Path = typer.Argument(..., help="Folder with bodies.csv and stances.csv.")):
    """Headline against body (FNC-1): FNC score, macro-F1 and F1 per class."""
    _evaluate("stance", path)


@evaluate_app.command("checkworthy")
def evaluate_checkworthy(path: Path = typer.Argument(..., help="A ClaimBuster CSV, or a folder of CLEF TSVs.")):
    """Check-worthiness: P/R/F1 of Verdict 1 on a CSV; MAP, R-precision, P@10 on CLEF debates."""
    _evaluate("checkworthy", path)


@evaluate_app.command("quotes")
def evaluate_quotes(
    path: Path = typer.Argument(..., help="A PolNeAR split folder (text/, attributions/)."),
    baseline: bool = typer.Option(False, "--baseline", help="Score the rule baseline instead of the learned model."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="Only the first N articles."),
):
    """Quote attribution: content F1, source accuracy, end-to-end F1 (direct and indirect)."""
    _evaluate("quotes", path, baseline=baseline, limit=limit)


@evaluate_app.command("claim-matching")
def evaluate_claim_matching(
    queries: Path = typer.Option(..., "--queries", help="TSV: id<TAB>text."),
    qrels: Path = typer.Option(..., "--qrels", help="TREC qrels."),
    collection: Path = typer.Option(..., "--collection", help="Verified claims, JSONL or JSONL.gz."),
    method: str = typer.Option("reranked", "--method", help="bm25, dense, fusion or reranked."),
):
    """Claim matching (CheckThat!): MAP@5, MRR, recall@1, recall@5."""
    _evaluate("claim_matching", queries=queries, qrels=qrels, collection=collection, method=method)


@evaluate_app.command("credibility")
def evaluate_credibility(
    path: Path = typer.Argument(..., help='JSONL of {"title","text","label"}.'),
    model: Optional[Path] = typer.Option(None, "--model", help="A folder written by `newssift train credibility --out`."),
):
    """Low-credibility probability: ROC AUC (fake vs real), accuracy, expected calibration error."""
    _evaluate("credibility", path, model_dir=model)


# -- train -----------------------------------------------------------------------------------------------
@train_app.command("propaganda")
def train_propaganda(
    data: Optional[Path] = typer.Option(None, "--data", help="The public data folder (default: ../shared/data)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write artefacts (default: the package)."),
    retrain_encoder: bool = typer.Option(False, "--retrain-encoder",
                                         help="Also fine-tune the shared encoder again (every encoder-based head "
                                              "must then be retrained)."),
    epochs: float = typer.Option(1.0, "--epochs", help="With --retrain-encoder: passes over the training windows "
                                                       "(at most; the time budget may stop it sooner)."),
    budget: float = typer.Option(900.0, "--budget", help="With --retrain-encoder: seconds of fine-tuning at most."),
):
    """Train the propaganda-technique head on PTC (and, with --retrain-encoder or when none ships, the
    shared encoder's LoRA delta)."""
    call("newssift.models.train:train_propaganda", data_dir=data, out_dir=out, retrain_encoder=retrain_encoder,
         finetune_epochs=epochs, finetune_seconds=budget)


@train_app.command("checkworthy")
def train_checkworthy(
    data: Optional[Path] = typer.Option(None, "--data", help="The public data folder (default: ../shared/data)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write the artefact (default: the package)."),
    skip_validation: bool = typer.Option(False, "--skip-validation",
                                         help="Refit only; keep the last validation figures, marked as not rerun."),
):
    """Retrain the check-worthiness head on the current encoder (ClaimBuster + CLEF debates)."""
    print_json(call("newssift.claims.train_checkworthy:train_checkworthy", data_dir=data, out_dir=out,
                    validation=not skip_validation))


@train_app.command("hyperpartisan")
def train_hyperpartisan(
    data: Optional[Path] = typer.Option(None, "--data", help="The public data folder (default: ../shared/data)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write artefacts (default: the package)."),
    cv: bool = typer.Option(True, "--cv/--no-cv", help="Report 10-fold cross-validation first."),
):
    """Hyperpartisan tone on SemEval-2019 Task 4 (words, encoder embedding, propaganda tagger's technique shares, style, links; stacked)."""
    print_json(call("newssift.stop.hyperpartisan_model:train_hyperpartisan", data_dir=data, out_dir=out, cv=cv))


@train_app.command("stance")
def train_stance(
    data: Optional[Path] = typer.Option(None, "--data", help="The public data folder (default: ../shared/data)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write artefacts (default: the package)."),
    validate: bool = typer.Option(True, "--validate/--no-validate", help="Score on 15% of bodies held out first."),
    claim_folds: int = typer.Option(5, "--claim-folds", help="Also score on this many claim-disjoint folds (0: skip)."),
):
    """Headline against body on FNC-1 (two-stage gradient boosting on pair features)."""
    print_json(call("newssift.stop.stance_model:train_stance", data_dir=data, out_dir=out, validate=validate,
                    claim_folds=claim_folds))


@train_app.command("credibility")
def train_credibility(
    data: Optional[Path] = typer.Option(None, "--data", help="The public data folder (default: ../shared/data)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write artefacts (default: the package)."),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude",
                                                help="Leave this corpus out (FakeNewsAMT, Celebrity, BuzzFeed, PolitiFact)."),
):
    """Low-credibility text model on the fake-news corpora, with its cross-corpus table."""
    print_json(call("newssift.credibility.model:train_credibility", data_dir=data, out_dir=out, exclude=exclude or []))


@train_app.command("quotes")
def train_quotes(
    data: Optional[Path] = typer.Option(None, "--data", help="The public data folder (default: ../shared/data)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write artefacts (default: the package)."),
):
    """Train the quote extractor (cue and content classifiers) on PolNeAR; prints its metrics."""
    print_json(call("newssift.claims.train_quotes:train_quotes", data_dir=data, out_dir=out))


@train_app.command("chrome")
def train_chrome(
    data: Optional[Path] = typer.Option(None, "--data", help="The public data folder (default: ../shared/data)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write the model (default: the package)."),
):
    """Learn the page-chrome line classifier from the extraction pages (seconds)."""
    print_json(call("newssift.ingest.train_chrome:train_chrome", data_dir=data, out_dir=out))


@train_app.command("coverage")
def train_coverage(
    data: Optional[Path] = typer.Option(None, "--data", help="The public data folder (default: ../shared/data)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write the model (default: the package)."),
    finetune_encoder: bool = typer.Option(False, "--finetune-encoder",
                                          help="First fine-tune a matching delta of the encoder on the train pairs "
                                               "(written next to the model; not better once re-ranked)."),
):
    """Tune claim matching on the CheckThat! train pairs: query projection, fusion, re-ranker, threshold."""
    print_json(call("newssift.coverage.train:train_coverage", data_dir=data, out=out, finetune=finetune_encoder))


# -- bench, serve, batch -------------------------------------------------------------------------------
@app.command()
def bench(
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="Folder of article*.txt (default: PTC train)."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="Only the first N articles."),
    workers: int = typer.Option(1, "--workers", "-w", help="Processes, each analysing a share of the corpus."),
    rounds: int = typer.Option(3, "--rounds", "-r", help="Alternate analysis and bare encoder this many times; "
                                                          "the medians are reported."),
    batch_size: int = typer.Option(8, "--batch-size", help="Articles per pipeline batch."),
    format: SourceFormat = typer.Option(SourceFormat.text, "--format", "-f"),
):
    """Speed: articles per second for the whole analysis and the bare encoder, per stage, peak memory.

    Example: `newssift bench -n 100 --format json` (keys articles_per_second,
    encoder_articles_per_second, ratio, peak_rss_mb, stages_seconds_per_article).
    """
    result = call("newssift.bench:run", corpus=corpus, limit=limit, workers=workers, rounds=rounds,
                  batch_size=batch_size)
    if format == SourceFormat.json:
        print_json(result)
    else:
        from newssift.render.text import render_bench

        render_bench(result)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL for stored reports."),
    api_key: Optional[List[str]] = typer.Option(None, "--api-key",
                                                help="Require this key on /api (repeatable; or $NEWSSIFT_API_KEYS)."),
):
    """Serve the web page and the JSON API (OpenAPI at /docs)."""
    call("newssift.api:serve", host=host, port=port, db_url=db, api_keys=api_key or [])


@app.command()
def batch(
    inputs: List[str] = typer.Argument(..., help="JSONL, CSV, WARC files, or folders of HTML/text files."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write one report per line here (JSONL)."),
    db: Optional[str] = typer.Option(None, "--db", help="And/or store reports in this database (resumable too)."),
    workers: int = typer.Option(1, "--workers", "-w", help="Processes, each with its own Analyzer (local engine)."),
    engine: str = typer.Option("local", "--engine", help="local or dask."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address."),
    heads: Optional[str] = typer.Option(None, "--heads",
                                        help="Only these analyses, comma-separated (e.g. propaganda,summary); "
                                             "default: all, or $NEWSSIFT_HEADS."),
):
    """Analyse a corpus; resumable after any interruption, nothing lost or doubled.

    Examples:

      newssift batch articles.jsonl --out reports.jsonl --workers 2

      newssift batch crawl.warc.gz --db postgresql://user@host/news --engine dask --scheduler tcp://10.0.0.5:8786
    """
    counts = call("newssift.batch:run", inputs, out=out, db_url=db, workers=workers, engine=engine,
                  scheduler=scheduler, heads=heads)
    typer.echo(f"{counts['analysed']} analysed, {counts['errors']} failed, {counts['skipped']} already done.",
               err=True)


def main(argv: list[str] | None = None) -> None:
    try:
        app(args=argv, standalone_mode=False)
    except NewssiftError as exc:
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _fail("Interrupted.", 130)
    except (typer.Abort, typer.Exit) as exc:
        raise SystemExit(getattr(exc, "exit_code", 1))
    except Exception as exc:  # click's usage errors and anything unforeseen: one line, no traceback
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            raise SystemExit(exc.exit_code)
        if os.environ.get("NEWSSIFT_DEBUG"):
            raise
        _fail(f"Internal error: {type(exc).__name__}: {exc}. Set NEWSSIFT_DEBUG=1 for details.", 1)


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"newssift: error: {message}\n")
    raise SystemExit(code)


if __name__ == "__main__":
    main()
