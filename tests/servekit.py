"""Shared by the web, API, store and batch tests: a real server on loopback, report fixtures."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "examples" / "theduran-2016-trump-putin.txt"
if not EXAMPLE.exists():
    EXAMPLE = Path("/work/shared/examples/theduran-2016-trump-putin.txt")
EXAMPLE_URL = "https://theduran.com/confirmed-trump-and-putin-will-work-together-to-destroy-isis/"

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'

_analyzers: dict = {}


def shared_analyzer(heads: str | None = None, db_url: str | None = None):
    """One Analyzer per (heads, database) for the whole test session: models load once.

    `heads` names a subset ("source,summary") for tests about the service rather than the analysis.
    """
    from newssift.batch import resolve_heads
    from newssift.pipeline import Analyzer

    key = (heads, db_url)
    if key not in _analyzers:
        _analyzers[key] = Analyzer(heads=resolve_heads(heads) if heads else None, db_url=db_url)
    return _analyzers[key]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """uvicorn serving an app on a free loopback port, in a thread of the test process."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


def _find(text: str, phrase: str, after: int = 0) -> tuple[int, int]:
    start = text.index(phrase, after)
    return start, start + len(phrase)


def example_report(title: str | None = None, url: str | None = EXAMPLE_URL, speaker: str = "Vyacheslav Volodin",
                   extra_text: str = "", published: str = "2016-11-15", validate: bool = True):
    """A hand-made report over the example article, shaped like the heads' output (schema-valid)."""
    from newssift.article import Article, span_dict
    from newssift.report import Report

    text = EXAMPLE.read_text("utf-8").split("\n0 0 vote")[0].strip() + extra_text
    article = Article(text=text, title=title or "CONFIRMED: Trump and Putin will work together to destroy ISIS!",
                      url=url, domain="theduran.com", published=published, language="en")
    report = Report(article=article)
    techniques = [
        ("obliterate", "Loaded_Language", 0.81, "A violent verb where a neutral one would do."),
        ("lame duck Obama", "Name_Calling,Labeling", 0.93, "A label that belittles the person named."),
        ("his water boy John Kerry", "Name_Calling,Labeling", 0.88, "A label that belittles the person named."),
        ("pathetic attempt", "Loaded_Language", 0.9, "An emotionally charged phrase."),
        ("the ridiculous term was a pathetic attempt", "Doubt", 0.55, "Questions the credibility of others."),
        ("golden opportunity", "Exaggeration,Minimisation", 0.62, "Overstates what is at stake."),
    ]
    spans = []
    for phrase, technique, score, why in techniques:
        start, end = _find(text, phrase)
        spans.append(span_dict(text, start, end, technique=technique, score=score, explanation=why))
    report.stop["techniques"] = spans
    counts: dict[str, int] = {}
    for s in spans:
        counts[s["technique"]] = counts.get(s["technique"], 0) + 1
    report.stop["technique_counts"] = counts

    q_start, q_end = _find(text, "Putin and Trump have numerous common points and shared views")
    sp_start, sp_end = _find(text, "Volodin said")
    quote = span_dict(text, q_start - 1, sp_end, speaker=speaker,
                      speaker_span=span_dict(text, sp_start, sp_start + len("Volodin")),
                      cue=span_dict(text, sp_end - len("said"), sp_end),
                      content=span_dict(text, q_start, q_end), direct=True)
    report.claims["quotes"] = [quote]
    c_start, c_end = _find(text, "Putin congratulated the US president-elect on his election victory")
    report.claims["claims"] = [span_dict(text, c_start, c_end, checkworthiness=0.84, speaker="Trump’s team")]
    report.coverage["matches"] = [{
        "claim": span_dict(text, c_start, c_end),
        "similarity": 0.71,
        "factcheck": {"claim": "Vladimir Putin called Donald Trump to congratulate him.", "verdict": "True",
                      "publisher": "Example Checks", "url": "https://factcheck.example.org/putin-call",
                      "date": "2016-11-15"},
    }]
    l_start, l_end = _find(text, "pathetic")
    report.stop["hyperpartisan"] = {
        "score": 0.87, "hyperpartisan": True, "model": "hand-made",
        "reasons": [{"kind": "loaded_language", "text": "Loaded words such as “pathetic”.",
                     "evidence": [span_dict(text, l_start, l_end)]}]}
    s_start, s_end = _find(text, "In other words the two leaders are working to jointly rid the world of Al Qaeda and ISIS")
    report.stop["headline"] = {
        "title": article.title, "stance": "discuss", "model": "hand-made", "overstates": True,
        "stance_scores": {"agree": 0.3, "disagree": 0.02, "discuss": 0.6, "unrelated": 0.08},
        "cues": [{"kind": "capitals", "text": "The headline shouts: CONFIRMED.", "start": 0, "end": 9,
                  "field": "title", "outside_text": True}] if article.title.startswith("CONFIRMED") else [],
        "closest_sentence": span_dict(text, s_start, s_end, similarity=0.61)}
    report.source.update({"domain": "theduran.com", "outlet": "The Duran", "quality": 0.12, "label": "low",
                          "ratings": [{"list": "Example ratings", "version": "2024-01", "scale": "0-1",
                                       "value": 0.12, "quality": 0.12}]})
    for head, section in (("propaganda", "stop"), ("quotes", "claims"), ("checkworthy", "claims"),
                          ("coverage", "coverage"), ("source", "source"), ("summary", "summary")):
        report.set_head_status(head, section, "ok")
    report.summary = {"verdict": "Low-rated outlet; heavy loaded language.", "low_credibility": 0.8,
                      "points": [{"text": "6 persuasion techniques marked.", "evidence": [{"path": "stop.techniques"}]}]}
    if validate:
        report.validate()
    return report


def xss_report():
    """The example report with script in every field a page shows."""
    report = example_report(title="Title " + XSS, url='javascript:window.__xss=3//', speaker="Speaker " + XSS,
                            extra_text="\n\nInjected: " + XSS + ' </textarea><a href="javascript:window.__xss=4">x</a>')
    text = report.article.text
    from newssift.article import span_dict

    start = text.index("<script>")
    report.stop["techniques"].append(span_dict(text, start, start + len(XSS), technique="Loaded_Language", score=0.5,
                                               explanation="Why " + XSS))
    report.coverage["matches"][0]["factcheck"].update(url="javascript:window.__xss=5", publisher="Pub " + XSS)
    report.source["ratings"][0].update(list="List " + XSS, title="Title " + XSS, url="javascript:window.__xss=6")
    report.source["quality_basis"] = "Basis " + XSS
    report.validate()
    return report


@contextmanager
def serve_routes(routes):
    """A plain HTTP server on a free loopback port: `routes` maps a path to (status, headers, body),
    or is a function of the server's base URL that returns that map (for routes that name the
    server itself). Yields the base URL; unknown paths get 404."""

    class Handler(BaseHTTPRequestHandler):
        table: dict = {}

        def do_GET(self):
            status, headers, body = self.table.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    Handler.table = routes(base) if callable(routes) else routes
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        httpd.shutdown()
