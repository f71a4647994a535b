"""The outlet dashboard: technique frequencies per outlet, over time and against other outlets.

Frequency = technique spans per article, so outlets with many and few stored articles compare.
"""

from __future__ import annotations

from newssift.web.charts import grouped_bar_chart, line_chart, stacked_bar_chart
from newssift.web.render import OTHER_COLOR, TECHNIQUE_CHART_COLORS, technique_label

MAX_OUTLETS_IN_CHART = 15
TOP_TECHNIQUES_OVER_TIME = 5


def _color(technique: str) -> str:
    return TECHNIQUE_CHART_COLORS.get(technique, "#999999")


def outlets_context(db_url: str | None = None) -> dict:
    from newssift.store import outlet_stats, outlet_summary

    summary = outlet_summary(db_url=db_url)
    shown = [row["domain"] for row in summary[:MAX_OUTLETS_IN_CHART]]
    stats = outlet_stats(shown, db_url=db_url)["outlets"] if shown else {}
    for row in summary:
        techniques = stats.get(row["domain"], {}).get("techniques", {})
        row["top_technique"] = technique_label(max(techniques, key=techniques.get)) if techniques else None
    chart = None
    if shown:
        names = sorted({t for d in shown for t in stats.get(d, {}).get("techniques", {})},
                       key=lambda t: list(TECHNIQUE_CHART_COLORS).index(t) if t in TECHNIQUE_CHART_COLORS else 99)
        series = [(technique_label(t), [stats[d]["techniques"].get(t, 0) / max(1, stats[d]["articles"]) for d in shown],
                   _color(t)) for t in names]
        chart = stacked_bar_chart(shown, series, "Technique spans per article, by outlet", "spans per article")
    return {"outlets": summary, "chart": chart}


def outlet_context(domain: str, db_url: str | None = None) -> dict | None:
    """Context for one outlet's page, or None when nothing from it is stored."""
    from newssift.store import list_reports, outlet_stats

    everyone = outlet_stats(db_url=db_url)["outlets"]
    outlet = everyone.get(domain)
    if outlet is None:
        return None
    months = sorted(outlet["months"])
    top = sorted(outlet["techniques"], key=lambda t: -outlet["techniques"][t])[:TOP_TECHNIQUES_OVER_TIME]
    series = [("All techniques", [sum(outlet["by_month"].get(m, {}).values()) / outlet["months"][m] for m in months],
               "#222222")]
    series += [(technique_label(t), [outlet["by_month"].get(m, {}).get(t, 0) / outlet["months"][m] for m in months],
                _color(t)) for t in top]
    over_time = line_chart(months, series, f"Technique spans per article by month: {domain}", "spans per article")

    others = {d: o for d, o in everyone.items() if d != domain}
    other_articles = sum(o["articles"] for o in others.values())
    names = sorted(set(outlet["techniques"]) | {t for o in others.values() for t in o["techniques"]},
                   key=lambda t: -outlet["techniques"].get(t, 0))
    rows = []
    for t in names:
        mine = outlet["techniques"].get(t, 0) / outlet["articles"]
        theirs = sum(o["techniques"].get(t, 0) for o in others.values()) / other_articles if other_articles else 0.0
        rows.append({"technique": technique_label(t), "count": outlet["techniques"].get(t, 0),
                     "per_article": mine, "others_per_article": theirs})
    versus = None
    if names:
        versus = grouped_bar_chart(
            [r["technique"] for r in rows],
            [(domain, [r["per_article"] for r in rows], "#d95f02"),
             (f"all other outlets ({other_articles} articles)", [r["others_per_article"] for r in rows], OTHER_COLOR
              if not other_articles else "#7570b3")],
            f"{domain} against the other outlets", "spans per article")
    return {
        "domain": domain, "articles": outlet["articles"], "months": months, "over_time": over_time,
        "versus": versus, "rows": rows, "recent": list_reports(limit=20, domain=domain, db_url=db_url),
        "month_rows": [{"month": m, "articles": outlet["months"][m],
                        "spans": sum(outlet["by_month"].get(m, {}).values())} for m in months],
    }
