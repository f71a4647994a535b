"""The overall verdict: a short summary of the four sections, each point naming its evidence."""

from __future__ import annotations

from newssift.head import Doc, Head


class SummaryHead(Head):
    name = "summary"
    section = "summary"
    languages = None
    description = "A short summary built from the four sections."

    def __call__(self, doc: Doc) -> None:
        report = doc.report
        points = []
        source = report.source
        if source.get("quality") is not None:
            lists = [r["list"] for r in source.get("ratings", []) if r.get("quality") is not None]
            low = [r["list"] for r in source.get("ratings", []) if r.get("quality") is not None and r["quality"] < 0.5]
            points.append({
                "text": f"Outlet {source.get('domain')} rated {source.get('label')} "
                        f"(quality {source['quality']:.2f}; low by {len(low)} of {len(lists)} lists).",
                "evidence": [{"section": "source", "path": "source.ratings"}],
            })
        techniques = report.stop.get("techniques", [])
        if techniques:
            sentences = {_sentence_of(doc, t["start"]) for t in techniques}
            points.append({
                "text": f"Persuasion techniques in {len(sentences)} sentence(s): "
                        + ", ".join(f"{k.replace('_', ' ')} ×{v}" for k, v in sorted(
                            report.stop.get("technique_counts", {}).items(), key=lambda kv: -kv[1])[:4]) + ".",
                "evidence": [{"section": "stop", "path": "stop.techniques"}],
            })
        headline = report.stop.get("headline") or {}
        if headline.get("overstates"):
            points.append({"text": "The headline overstates the body.",
                           "evidence": [{"section": "stop", "path": "stop.headline"}]})
        hyper = report.stop.get("hyperpartisan") or {}
        if hyper.get("hyperpartisan"):
            points.append({"text": f"Hyperpartisan tone (probability {hyper.get('score', 0):.2f}).",
                           "evidence": [{"section": "stop", "path": "stop.hyperpartisan"}]})
        matches = report.coverage.get("matches", [])
        if matches:
            points.append({"text": f"{len(matches)} claim(s) match published fact-checks.",
                           "evidence": [{"section": "coverage", "path": "coverage.matches"}]})
        claims = report.claims.get("claims", [])
        quotes = report.claims.get("quotes", [])
        if claims or quotes:
            points.append({"text": f"{len(claims)} check-worthy claim(s), {len(quotes)} quote(s).",
                           "evidence": [{"section": "claims", "path": "claims"}]})
        report.summary["points"] = points
        report.summary.setdefault("low_credibility", None)
        report.summary["verdict"] = " ".join(p["text"] for p in points) or "Nothing to flag from the analyses that ran."


def _sentence_of(doc: Doc, offset: int) -> int:
    for i, (s, e) in enumerate(doc.article.sentences):
        if s <= offset < e:
            return i
    return -1
