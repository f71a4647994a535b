"""Terminal rendering of fact-check search results (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

VERDICT_STYLES = {"false": "bold red", "mostly-false": "red", "mixed": "yellow", "mostly-true": "green",
                  "true": "bold green", "other": "dim"}


def render_factchecks(results: list[dict], console: Console | None = None) -> None:
    """One block per fact-check: verdict, claim, publisher, date, link, similarity."""
    console = console or Console()
    if not results:
        console.print("No published fact-check matches closely enough (none passes the similarity threshold).")
        return
    for n, hit in enumerate(results, 1):
        fc = hit["factcheck"]
        verdict = fc.get("verdict") or "no verdict given"
        label = fc.get("verdict_normalised") or "other"
        line = Text(f"{n}. ")
        line.append(f"[{verdict}]", style=VERDICT_STYLES.get(label, ""))
        if fc.get("verdict") and label not in ("other", (fc.get("verdict") or "").lower()):
            line.append(f" ({label})", style="dim")
        line.append(f" {fc.get('claim')}")
        console.print(line)
        meta = [fc.get("publisher") or "unknown publisher"]
        if fc.get("speaker"):
            meta.append(f"claim by {fc['speaker']}")
        if fc.get("date"):
            meta.append(fc["date"])
        meta.append(f"similarity {hit.get('similarity', 0):.2f}")
        console.print(Text("   " + " · ".join(meta), style="dim"))
        if fc.get("url"):
            console.print(Text("   " + fc["url"], style="blue underline"))
        if hit.get("claim"):
            console.print(Text("   matched: " + hit["claim"].get("text", ""), style="italic"))
