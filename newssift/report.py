"""The report: the article plus the four SIFT sections and a summary.

One JSON shape, shared by the CLI, the API, the web page and the database, described by
``newssift/schema/report.schema.json`` (`Report.validate` checks a report against it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources

from newssift import REPORT_VERSION, __version__
from newssift.article import Article

SECTIONS = ("stop", "source", "coverage", "claims")

SECTION_TITLES = {
    "stop": "Stop: how does the article try to persuade?",
    "source": "Investigate the source: who publishes this, and what do raters say?",
    "coverage": "Find better coverage: has a fact-checker already looked at these claims?",
    "claims": "Trace claims: what is asserted, and by whom?",
}

# Head statuses. "ok": ran. "not_built": the head is not part of this release yet.
# "unavailable": a model or resource is missing (the message says how to install it).
# "unsupported_language": the head does not handle the article's language. "error": it failed.
HEAD_STATUSES = ("ok", "not_built", "unavailable", "unsupported_language", "error")


def empty_sections() -> dict[str, dict]:
    return {
        "stop": {"techniques": [], "technique_counts": {}, "hyperpartisan": None, "headline": None},
        "source": {
            "domain": None, "outlet": None, "inferred": False, "evidence": None,
            "quality": None, "label": "unrated", "ratings": [], "disagreement": None,
        },
        "coverage": {"matches": [], "threshold": None},
        "claims": {"claims": [], "quotes": []},
    }


@dataclass
class Report:
    article: Article
    stop: dict = field(default_factory=lambda: empty_sections()["stop"])
    source: dict = field(default_factory=lambda: empty_sections()["source"])
    coverage: dict = field(default_factory=lambda: empty_sections()["coverage"])
    claims: dict = field(default_factory=lambda: empty_sections()["claims"])
    summary: dict = field(default_factory=lambda: {"verdict": "", "low_credibility": None, "points": []})
    heads: dict[str, dict] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def section(self, name: str) -> dict:
        if name == "summary":
            return self.summary
        if name not in SECTIONS:
            raise KeyError(name)
        return getattr(self, name)

    def set_head_status(self, head: str, section: str, status: str, message: str = "") -> None:
        assert status in HEAD_STATUSES, status
        self.heads[head] = {"section": section, "status": status, "message": message}

    def section_status(self, name: str) -> dict:
        """"ok" when every head of the section ran, else the worst status with each head's message."""
        heads = {h: s for h, s in self.heads.items() if s["section"] == name}
        if not heads:
            # every section has its heads in the pipeline: none ran when the analyses were narrowed
            return {"status": "not_run", "messages": ["Not among the analyses asked for (--heads)."]}
        statuses = [s["status"] for s in heads.values()]
        if all(s == "ok" for s in statuses):
            status = "ok"
        elif any(s == "ok" for s in statuses):
            status = "partial"
        else:
            status = next(s for s in HEAD_STATUSES[1:] if s in statuses)
        messages = [s["message"] for s in heads.values() if s["status"] != "ok" and s["message"]]
        return {"status": status, "messages": messages}

    def to_dict(self) -> dict:
        out = {
            "version": REPORT_VERSION,
            "generator": f"newssift {__version__}",
            "created": self.created,
            "article": self.article.to_dict(),
        }
        for name in SECTIONS:
            out[name] = {**self.section_status(name), **self.section(name)}
        out["summary"] = dict(self.summary)
        out["heads"] = {k: dict(v) for k, v in self.heads.items()}
        out["timings"] = {k: round(v, 4) for k, v in self.timings.items()}
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        report = cls(article=Article.from_dict(data["article"]))
        for name in SECTIONS:
            section = {k: v for k, v in data[name].items() if k not in ("status", "messages")}
            setattr(report, name, section)
        report.summary = data.get("summary", {})
        report.heads = data.get("heads", {})
        report.timings = data.get("timings", {})
        report.created = data.get("created", report.created)
        return report

    def validate(self) -> None:
        validate_report_dict(self.to_dict())


@lru_cache(maxsize=1)
def report_schema() -> dict:
    return json.loads(resources.files("newssift.schema").joinpath("report.schema.json").read_text("utf-8"))


def validate_report_dict(data: dict) -> None:
    """Raise ``jsonschema.ValidationError`` if `data` is not a valid report; also check every span's text."""
    import jsonschema

    jsonschema.validate(data, report_schema())
    text = data["article"]["text"]
    for obj in iter_spans(data):
        if text[obj["start"]:obj["end"]] != obj["text"]:
            raise ValueError(f"span {obj['start']}..{obj['end']} text does not match article.text")


def iter_spans(node):
    """Every object in a report that marks text (has integer start and end and a text)."""
    if isinstance(node, dict):
        if isinstance(node.get("start"), int) and isinstance(node.get("end"), int) and "text" in node \
                and not node.get("outside_text"):
            yield node
        for key, value in node.items():
            if key == "article":
                # the article's own fields are not spans, except nothing; sentences are pairs
                continue
            yield from iter_spans(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_spans(item)
