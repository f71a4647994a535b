"""The terminal report: the four SIFT sections and the article with its spans highlighted."""

from __future__ import annotations

import sys

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from newssift.report import SECTION_TITLES, SECTIONS, Report
from newssift.stop.technique_labels import technique_label

TECHNIQUE_COLOURS = {
    "Loaded_Language": "on dark_orange3",
    "Name_Calling,Labeling": "on red3",
    "Repetition": "on purple4",
    "Exaggeration,Minimisation": "on dark_magenta",
    "Doubt": "on blue3",
    "Appeal_to_fear-prejudice": "on dark_red",
    "Flag-Waving": "on dark_green",
    "Causal_Oversimplification": "on deep_sky_blue4",
    "Slogans": "on gold3",
    "Appeal_to_Authority": "on cyan4",
    "Black-and-White_Fallacy": "on grey37",
    "Thought-terminating_Cliches": "on orange4",
    "Whataboutism,Straw_Men,Red_Herring": "on dark_slate_gray3",
    "Bandwagon,Reductio_ad_hitlerum": "on plum4",
}


def _console(to_string: bool) -> Console:
    if to_string:
        return Console(record=True, width=100, force_terminal=False, color_system=None, file=open("/dev/null", "w"))
    return Console(soft_wrap=False, highlight=False)



def highlighted_article(report: Report) -> Text:
    text = Text(report.article.text)
    for span in report.stop.get("techniques", []):
        text.stylize(TECHNIQUE_COLOURS.get(span["technique"], "reverse"), span["start"], span["end"])
    for claim in report.claims.get("claims", []):
        text.stylize("underline", claim["start"], claim["end"])
    return text


def _status_line(report: Report, name: str) -> Text | None:
    status = report.section_status(name)
    if status["status"] == "ok":
        return None
    messages = " ".join(status["messages"]) or "No analysis fills this section."
    return Text(f"[{status['status'].replace('_', ' ')}] {messages}", style="yellow")


def _stop(report: Report) -> list:
    parts = []
    counts = report.stop.get("technique_counts") or {}
    if counts:
        table = Table("technique", "spans", title="Persuasion techniques", title_justify="left", box=None)
        for technique, count in sorted(counts.items(), key=lambda kv: -kv[1]):
            table.add_row(Text(technique_label(technique), style=TECHNIQUE_COLOURS.get(technique, "")), str(count))
        parts.append(table)
        for span in report.stop.get("techniques", [])[:40]:
            parts.append(Text.assemble(
                ("  “", ""), (span["text"], "bold"), ("” ", ""),
                (f"{technique_label(span['technique'])} {span['score']:.2f}", "dim"),
                (f" — quoted from {span['quoted_from']}" if span.get("quoted_from") else "", "italic"),
                (f" — {span['explanation']}" if span.get("explanation") else "", "dim")))
    elif report.heads.get("propaganda", {}).get("status") == "ok":
        parts.append(Text("No persuasion techniques found."))
    headline = report.stop.get("headline")
    if headline:
        line = f"Headline against body: {headline.get('stance', '?')}"
        if headline.get("overstates"):
            line += " — the headline overstates the body"
        parts.append(Text(line, style="bold" if headline.get("overstates") else ""))
        for cue in headline.get("cues", [])[:5]:
            parts.append(Text(f"  · {cue.get('text') if isinstance(cue, dict) else cue}", style="dim"))
    hyper = report.stop.get("hyperpartisan")
    if hyper:
        parts.append(Text(f"Hyperpartisan tone: {'yes' if hyper.get('hyperpartisan') else 'no'} "
                          f"(probability {hyper.get('score', 0):.2f})"))
    return parts


def _source(report: Report) -> list:
    source = report.source
    if not source.get("domain") and not source.get("ratings"):
        return [Text("Outlet unknown: give --url, or the page does not name itself.")] \
            if report.heads.get("source", {}).get("status") == "ok" else []
    try:
        from newssift.source.render import source_renderables

        return source_renderables(source)
    except ImportError:
        quality = source.get("quality")
        return [Text(f"{source.get('domain')}: quality {quality if quality is not None else 'unrated'}")]


def _coverage(report: Report) -> list:
    matches = report.coverage.get("matches", [])
    withheld = report.coverage.get("withheld", [])
    # close in wording but about another event (newssift.coverage.gate): said, not shown as matches
    n = len(withheld)
    note = [Text(f"{n} close fact-check{'' if n == 1 else 's'} withheld as about another event "
                 f"(e.g. {withheld[0]['reason']}).", style="dim")] if withheld else []
    if not matches:
        return [Text("No published fact-check matches a claim above the threshold."), *note] \
            if report.heads.get("coverage", {}).get("status") == "ok" else []
    parts = []
    for match in matches:
        fc = match["factcheck"]
        parts.append(Text.assemble(
            ("“", ""), (match["claim"]["text"][:200], "italic"), ("”\n", ""),
            ("  ↳ ", ""), (f"{fc.get('verdict') or '?'}", "bold"),
            (f" — {fc.get('claim', '')[:160]} ({fc.get('publisher') or '?'}, {fc.get('date') or 'undated'}) ", ""),
            (fc.get("url") or "", "blue underline"), (f"  similarity {match['similarity']:.2f}", "dim")))
    return parts + note


def _claims(report: Report) -> list:
    parts = []
    claims = report.claims.get("claims", [])
    if claims:
        parts.append(Text("Check-worthy claims", style="bold"))
        for claim in claims:
            who = claim.get("speaker") or "the outlet"
            parts.append(Text.assemble(("  • ", ""), (claim["text"], ""),
                                       (f"  [{claim['checkworthiness']:.2f}, asserted by {who}]", "dim")))
    quotes = report.claims.get("quotes", [])
    if quotes:
        parts.append(Text("Quotes", style="bold"))
        for quote in quotes:
            cue = (quote.get("cue") or {}).get("text", "")
            parts.append(Text.assemble(("  • ", ""), (quote.get("speaker") or "unknown speaker", "bold"),
                                       (f" ({cue})" if cue else "", "dim"), (": ", ""),
                                       (quote["content"]["text"][:300], "italic")))
    return parts


SECTION_RENDERERS = {"stop": _stop, "source": _source, "coverage": _coverage, "claims": _claims}


def render_text(report: Report, to_string: bool = False, console: Console | None = None):
    console = console or _console(to_string)
    article = report.article
    header = Text(article.title or "(untitled)", style="bold")
    details = ", ".join(x for x in [article.domain or article.url, article.published, ", ".join(article.authors),
                                    f"language {article.language or 'unknown'}"] if x)
    console.print(Panel(Group(header, Text(details, style="dim")), title="newssift report", title_align="left"))
    summary = report.summary or {}
    if summary.get("verdict"):
        verdict = Text(summary["verdict"])
        if summary.get("low_credibility") is not None and "probability" not in summary["verdict"].lower():
            verdict.append(f"\nProbability of low credibility: {summary['low_credibility']:.2f}", style="bold")
        console.print(Panel(verdict, title="Summary", title_align="left"))
    for name in SECTIONS:
        body = SECTION_RENDERERS[name](report)
        status = _status_line(report, name)
        if status is not None:
            body.append(status)
        console.print(Panel(Group(*body) if body else Text("Nothing to report."), title=SECTION_TITLES[name],
                            title_align="left"))
    legend = Text("Article" + (" — highlighted: persuasion techniques; underlined: check-worthy claims"
                               if report.stop.get("techniques") or report.claims.get("claims") else ""))
    console.print(Panel(highlighted_article(report), title=legend, title_align="left"))
    if article.removed:
        console.print(Text(f"Left out of the article as page chrome: {len(article.removed)} line{'' if len(article.removed) == 1 else 's'} "
                           f"({', '.join(sorted({r.reason for r in article.removed}))}).", style="dim"))
    if to_string:
        return console.export_text()
    return None


def render_source(result: dict, console: Console | None = None) -> None:
    try:
        from newssift.source.render import render_source as render

        render(result, console=console)
    except ImportError:
        (console or Console()).print_json(data=result)


def render_factchecks(results: list, console: Console | None = None) -> None:
    try:
        from newssift.coverage.render import render_factchecks as render

        render(results, console=console)
    except ImportError:
        (console or Console()).print_json(data=results)


def render_bench(result: dict, console: Console | None = None) -> None:
    console = console or Console()
    table = Table("measure", "value", title="newssift bench", title_justify="left")
    for key, value in result.items():
        if isinstance(value, list):  # per-round figures: one row each
            for i, entry in enumerate(value, 1):
                table.add_row(f"{key}[{i}]", ", ".join(f"{k} {v}" for k, v in entry.items()))
        elif isinstance(value, dict):
            for sub, v in value.items():
                table.add_row(f"{key}.{sub}", f"{v:.4g}" if isinstance(v, float) else str(v))
        else:
            table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
    console.print(table)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
