"""HTML for the page, the stored reports and the dashboard: Jinja2 templates with autoescape on.

Article content is untrusted: every string from a report goes through autoescaping, links are
only made from http(s) URLs, and the pages run no script at all (the served pages carry a strict
Content-Security-Policy; a standalone report file carries the same policy in a meta tag).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from newssift.report import SECTION_TITLES
from newssift.stop.technique_labels import technique_label

# One colour per PTC technique (light tints, dark text readable on each), in the schema's order.
TECHNIQUE_COLORS = {
    "Appeal_to_Authority": "#a6cee3",
    "Appeal_to_fear-prejudice": "#fb9a99",
    "Bandwagon,Reductio_ad_hitlerum": "#cab2d6",
    "Black-and-White_Fallacy": "#b2df8a",
    "Causal_Oversimplification": "#fdbf6f",
    "Doubt": "#ffff99",
    "Exaggeration,Minimisation": "#f4a6d7",
    "Flag-Waving": "#8dd3c7",
    "Loaded_Language": "#fccde5",
    "Name_Calling,Labeling": "#ffd92f",
    "Repetition": "#d9d9d9",
    "Slogans": "#bc80bd",
    "Thought-terminating_Cliches": "#ccebc5",
    "Whataboutism,Straw_Men,Red_Herring": "#80b1d3",
}
# Saturated versions of the same hues, for lines and bars in the charts.
TECHNIQUE_CHART_COLORS = {
    "Appeal_to_Authority": "#1f78b4",
    "Appeal_to_fear-prejudice": "#e31a1c",
    "Bandwagon,Reductio_ad_hitlerum": "#6a3d9a",
    "Black-and-White_Fallacy": "#33a02c",
    "Causal_Oversimplification": "#ff7f00",
    "Doubt": "#b15928",
    "Exaggeration,Minimisation": "#e7298a",
    "Flag-Waving": "#1b9e77",
    "Loaded_Language": "#d95f02",
    "Name_Calling,Labeling": "#7570b3",
    "Repetition": "#666666",
    "Slogans": "#a6761d",
    "Thought-terminating_Cliches": "#66a61e",
    "Whataboutism,Straw_Men,Red_Herring": "#386cb0",
}
OTHER_COLOR = "#e0e0e0"

CSP_STANDALONE = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def technique_class(name: str) -> str:
    """A CSS class for a technique: its index in the palette (never text from the report)."""
    names = list(TECHNIQUE_COLORS)
    return f"t{names.index(name)}" if name in TECHNIQUE_COLORS else "tx"


def safe_href(url: Any) -> str | None:
    """The URL if it is an absolute http(s) link, else None (no javascript:, data:, relative links)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc and not any(c in url for c in "\x00\r\n\t\"'<> "):
        return url
    return None


def percent(value: Any) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return "–"


def highlight_segments(text: str, spans: list[dict]) -> list[dict]:
    """Cut `text` at every span boundary: [{"text", "spans": [covering spans, best first]}].

    Technique spans may overlap; each piece lists every span over it, so the tooltip names them all.
    """
    valid = [s for s in spans if isinstance(s.get("start"), int) and isinstance(s.get("end"), int)
             and 0 <= s["start"] < s["end"] <= len(text)]
    cuts = sorted({0, len(text), *(s["start"] for s in valid), *(s["end"] for s in valid)})
    segments = []
    for start, end in zip(cuts, cuts[1:]):
        covering = [s for s in valid if s["start"] <= start and end <= s["end"]]
        covering.sort(key=lambda s: -(s.get("score") or 0))
        if segments and not covering and not segments[-1]["spans"]:
            segments[-1]["text"] += text[start:end]
        else:
            segments.append({"text": text[start:end], "spans": covering, "start": start})
    return segments


def _static_text(name: str) -> str:
    return resources.files("newssift.web").joinpath("static", name).read_text("utf-8")


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("newssift.web", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(technique_label=technique_label, technique_class=technique_class, safe_href=safe_href,
                       percent=percent)
    env.globals.update(TECHNIQUE_COLORS=TECHNIQUE_COLORS, SECTION_TITLES=SECTION_TITLES,
                       technique_label=technique_label, technique_class=technique_class)
    return env


def render_template(name: str, **context: Any) -> str:
    context.setdefault("standalone", False)
    context.setdefault("inline_css", "")
    return environment().get_template(name).render(**context)


def report_context(report: Any) -> dict:
    """What the report templates need, computed from a report (a `Report` or its dict)."""
    data = report if isinstance(report, dict) else report.to_dict()
    article = data.get("article") or {}
    text = article.get("text") or ""
    stop = data.get("stop") or {}
    techniques = [s for s in stop.get("techniques") or [] if isinstance(s, dict)]
    counts: dict[str, int] = {}
    for span in techniques:
        counts[span.get("technique")] = counts.get(span.get("technique"), 0) + 1
    claims_section = data.get("claims") or {}
    claims = sorted((c for c in claims_section.get("claims") or [] if isinstance(c, dict)),
                    key=lambda c: -(c.get("checkworthiness") or 0))
    return {
        "report": data,
        "article": article,
        "segments": highlight_segments(text, techniques),
        "techniques": sorted(techniques, key=lambda s: (s.get("start") or 0, s.get("end") or 0)),
        "technique_counts": sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))),
        "quotes": [q for q in claims_section.get("quotes") or [] if isinstance(q, dict)],
        "claims": claims,
        "matches": [m for m in (data.get("coverage") or {}).get("matches") or [] if isinstance(m, dict)],
        "source": data.get("source") or {},
        "stop": stop,
        "summary": data.get("summary") or {},
        "sections": {name: data.get(name) or {} for name in ("stop", "source", "coverage", "claims")},
    }


def render_report_page(report: Any, permalink: str | None = None) -> str:
    """A standalone HTML page of one report: no script, styles inline, nothing fetched."""
    return render_template("report.html", standalone=True, inline_css=_static_text("style.css"),
                           csp=CSP_STANDALONE, permalink=permalink, **report_context(report))
