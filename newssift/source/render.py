"""The source object in a terminal: each list's verdict side by side, disagreements, the aggregate."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

_LABEL_STYLE = {"low": "bold red", "mixed": "bold yellow", "high": "bold green", "unrated": "dim"}


def _quality(quality) -> str:
    return "—" if quality is None else f"{quality:.2f}"


def render_source(result: dict, console: Console | None = None) -> None:
    console = console or Console()
    domain = result.get("domain_unicode") or result.get("domain") or "unknown domain"
    head = Text()
    head.append(domain, style="bold")
    if result.get("host") and result["host"] != result.get("domain"):
        head.append(f" (host {result['host']})", style="dim")
    if result.get("outlet"):
        head.append(f" — {result['outlet']}")
    console.print(head)
    if result.get("inferred") and result.get("evidence"):
        evidence = result["evidence"]
        where = evidence.get("where", "article text")
        console.print(Text(f"Outlet inferred from the {where}: “{evidence['text']}”", style="italic"))
    label = result.get("label") or "unrated"
    line = Text("Quality: ")
    line.append(f"{_quality(result.get('quality'))} {label}", style=_LABEL_STYLE.get(label, ""))
    if result.get("quality_basis"):
        line.append(f"  ({result['quality_basis']})", style="dim")
    console.print(line)
    aggregate = result.get("aggregate")
    if aggregate and result.get("quality_basis", "").startswith("Lin"):
        console.print(Text(f"Mean over other raters: {aggregate['quality']:.2f} ({', '.join(aggregate['lists'])})",
                           style="dim"))
    ratings = result.get("ratings") or []
    if not ratings:
        console.print(Text(result.get("note") or "No installed rating list rates this domain.", style="dim"))
        return
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("list", "verdict", "quality", "date", "licence"):
        table.add_column(column, overflow="fold")
    for rating in ratings:
        table.add_row(
            rating["list"] + (f" ({rating['matched']})" if rating.get("matched") not in (None, result.get("domain"))
                              else ""),
            rating.get("verdict") or str(rating.get("value")),
            Text(f"{_quality(rating.get('quality'))} {rating.get('label', '')}",
                 style=_LABEL_STYLE.get(rating.get("label"), "")),
            rating.get("date") or rating.get("version") or "",
            rating.get("licence") or "",
        )
    console.print(table)
    console.print(Text("Scales:", style="dim"))
    for rating in ratings:
        console.print(Text(f"  {rating['list']}: {rating.get('scale')}; quality: {rating.get('quality_rule')}",
                           style="dim"), overflow="fold")
    if result.get("disagreement"):
        console.print(Text(f"Lists disagree: {result['disagreement']['text']}", style="yellow"))
    if result.get("note") and not result.get("inferred"):
        console.print(Text(result["note"], style="dim"))
