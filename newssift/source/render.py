"""The source object in a terminal: each list's verdict side by side, disagreements, the aggregate.

`source_renderables` gives the pieces (the report's "Investigate the source" panel uses them);
`render_source` prints them for `newssift source`, with each list's scale underneath.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

_LABEL_STYLE = {"low": "bold red", "mixed": "bold yellow", "high": "bold green", "unrated": "dim"}


def _quality(quality) -> str:
    return "—" if quality is None else f"{quality:.2f}"


def _short_licence(licence: str | None) -> str:
    """"table Apache-2.0 (Idiap); the ratings are MBFC's" → "Apache-2.0"; the JSON keeps it whole."""
    if not licence:
        return ""
    head = licence.split(";")[0].split("(")[0].strip()
    return head.removeprefix("table ").strip()


def source_renderables(result: dict, scales: bool = False) -> list:
    parts: list = []
    domain = result.get("domain_unicode") or result.get("domain") or "unknown domain"
    head = Text()
    head.append(domain, style="bold")
    if result.get("host") and result["host"] != result.get("domain"):
        head.append(f" (host {result['host']})", style="dim")
    if result.get("outlet"):
        head.append(f" — {result['outlet']}")
    parts.append(head)
    if result.get("inferred") and result.get("evidence"):
        evidence = result["evidence"]
        where = evidence.get("where", "article text")
        parts.append(Text(f"No URL given: outlet inferred from the {where}: “{evidence['text']}”", style="italic"))
        if result.get("alternatives"):
            parts.append(Text(f"The name is also used by {', '.join(result['alternatives'])}.", style="dim"))
    label = result.get("label") or "unrated"
    line = Text("Quality: ")
    line.append(f"{_quality(result.get('quality'))} {label}", style=_LABEL_STYLE.get(label, ""))
    if result.get("quality_basis"):
        line.append(f"  ({result['quality_basis']})", style="dim")
    parts.append(line)
    aggregate = result.get("aggregate")
    if aggregate and str(result.get("quality_basis", "")).startswith("Lin"):
        parts.append(Text(f"Mean over the other raters: {aggregate['quality']:.2f} "
                          f"({', '.join(aggregate['lists'])})", style="dim"))
    ratings = result.get("ratings") or []
    if not ratings:
        parts.append(Text(result.get("note") or "No installed rating list rates this domain.", style="dim"))
        return parts
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("list", "verdict", "quality", "date", "licence"):
        table.add_column(column, overflow="fold")
    for rating in ratings:
        matched = rating.get("matched")
        table.add_row(
            rating["list"] + (f" ({matched})" if matched not in (None, result.get("domain")) else ""),
            rating.get("verdict") or str(rating.get("value")),
            Text(f"{_quality(rating.get('quality'))} {rating.get('label', '')}",
                 style=_LABEL_STYLE.get(rating.get("label"), "")),
            rating.get("date") or rating.get("version") or "",
            _short_licence(rating.get("licence")),
        )
    parts.append(table)
    if result.get("disagreement"):
        parts.append(Text(f"Lists disagree: {result['disagreement']['text']}", style="yellow"))
    if scales:
        parts.append(Text("Scales:", style="dim"))
        for rating in ratings:
            parts.append(Text(f"  {rating['list']}: {rating.get('scale')}; quality: {rating.get('quality_rule')}",
                              style="dim"))
    return parts


def render_source(result: dict, console: Console | None = None) -> None:
    console = console or Console()
    for part in source_renderables(result, scales=True):
        console.print(part)
