"""The overall verdict: a short summary of the four sections, each point naming its evidence, and a
probability that the article is low-credibility (`newssift.credibility`).

A point's ``evidence`` is a list of references into the report: ``{"path": "stop.headline.cues"}``
(a dotted path, list items as ``[i]``) or a span object (``start``, ``end``, ``text`` into
``article.text``; headline cues carry ``outside_text`` and point into ``article.title``).
"""

from __future__ import annotations

import re
from collections import Counter

from newssift.head import Doc, Head
from newssift.stop.technique_labels import LOADED_TECHNIQUES, technique_label

FALSE_VERDICT = re.compile(r"false|pants|fake|incorrect|misleading|wrong|fabricat|hoax|scam|unproven|mostly false",
                           re.I)
MAX_SPANS = 6  # evidence spans quoted per point; the path leads to the rest


class SummaryHead(Head):
    name = "summary"
    section = "summary"
    languages = None
    description = "A short summary built from the four sections, and a low-credibility probability."

    def load(self) -> None:
        self.credibility = None
        self.encoder = None
        try:
            from newssift.credibility.combine import load_artefact

            self.credibility = load_artefact()
        except Exception:  # noqa: BLE001 - the summary still lists the sections' findings
            return
        if self.credibility.get("encoder_fingerprint"):
            try:
                from newssift.models.encoder import get_encoder

                encoder = get_encoder()
                if encoder.fingerprint == self.credibility["encoder_fingerprint"]:
                    self.encoder = encoder
            except Exception:  # noqa: BLE001 - the text-only combiner serves
                pass

    def __call__(self, doc: Doc) -> None:
        report = doc.report
        points = [p for p in (
            self._source(report), self._techniques(doc), self._headline(report), self._hyperpartisan(report),
            self._coverage(report), self._claims(report)) if p]
        report.summary["points"] = points
        report.summary["low_credibility"] = None
        probability = self._probability(doc)
        if probability is not None:
            report.summary.update(probability)
            points.insert(0, self._credibility_point(probability))
        report.summary["verdict"] = " ".join(p["text"] for p in points).strip() or \
            "Nothing to flag from the analyses that ran."

    def _credibility_point(self, probability: dict) -> dict:
        parts = probability["low_credibility_parts"]
        if parts["source_used"]:
            basis = f"from the text ({parts['text']:.2f}) and the outlet's rating ({parts['source_quality']:.2f})"
            evidence = [{"path": "summary.low_credibility_parts"}, {"path": "source.quality"}]
        else:
            basis = "from the text alone (no rating of the outlet in the report)" if parts["source_quality"] is None \
                else "from the text alone"
            evidence = [{"path": "summary.low_credibility_parts"}]
        return {"text": f"Low-credibility probability {probability['low_credibility']:.2f}, {basis}.",
                "kind": "credibility", "evidence": evidence}

    # -- the probability --------------------------------------------------------------------
    def _probability(self, doc: Doc) -> dict | None:
        if self.credibility is None or (doc.article.language or "en") != "en" or not doc.article.text.strip():
            return None
        from newssift.credibility.combine import text_probability, with_source

        encoded = doc.encoded if self.encoder is not None else None
        p_text, used = text_probability(doc.article, encoded, self.encoder, self.credibility,
                                        title_embedding=doc.title_embedding)
        quality = doc.report.source.get("quality")
        p = with_source(p_text, quality, self.credibility)
        return {"low_credibility": round(p, 4),
                "low_credibility_parts": {"text": round(p_text, 4), "text_model": used,
                                          "source_quality": quality,
                                          "source_used": quality is not None and
                                          self.credibility.get("source_update") is not None}}

    # -- one point per finding ----------------------------------------------------------------
    def _source(self, report) -> dict | None:
        source = report.source
        if source.get("quality") is None:
            return None
        ratings = source.get("ratings", [])
        rated = [i for i, r in enumerate(ratings) if r.get("quality") is not None]
        low = [i for i in rated if ratings[i]["quality"] < 0.5]
        word = "low" if len(low) * 2 >= len(rated) else "not low"
        text = (f"Outlet {source.get('domain')} rated low by {len(low)} of {len(rated)} lists"
                if low else f"Outlet {source.get('domain')} rated {word} by the {len(rated)} lists that rate it")
        return {"text": text + f" (quality {source['quality']:.2f}).", "kind": "source",
                "evidence": [{"path": "source.quality"}] + [{"path": f"source.ratings[{i}]"} for i in (low or rated)]}

    def _techniques(self, doc: Doc) -> dict | None:
        techniques = doc.report.stop.get("techniques", [])
        if not techniques:
            return None
        # Words inside a quotation are the speaker's, not the outlet's (the quotes head marks them
        # `quoted_from`): a careful reader weighs the outlet's own loaded language, and notes the
        # quoted ones apart.
        own = [t for t in techniques if not t.get("quoted_from")]
        quoted = [t for t in techniques if t.get("quoted_from")]
        loaded = [t for t in own if t.get("technique") in LOADED_TECHNIQUES]
        others = Counter(t["technique"] for t in own if t.get("technique") not in LOADED_TECHNIQUES)
        uses = []  # what the outlet does in its own words
        if loaded:
            n = len({_sentence_of(doc, t["start"]) for t in loaded})
            # name-calling first (a label pinned on a person is the plainest evidence, and short),
            # then the surest spans
            examples = [_clip(t["text"], 100) for t in
                        sorted(loaded, key=lambda t: (t["technique"] != "Name_Calling,Labeling", -t.get("score", 0)))]
            text = f"loaded language or name-calling in {_count(n, 'sentence')}"
            if examples:
                text += " (" + ", ".join(f"“{e}”" for e in list(dict.fromkeys(examples))[:3]) + ")"
            uses.append(text)
        if others:
            listed = ", ".join(f"{technique_label(k).lower()} ×{v}" for k, v in others.most_common(3))
            uses.append(f"{_count(sum(others.values()), 'other technique span' if loaded else 'technique span')} "
                        f"({listed})")
        parts = [f"In its own words the outlet uses {' and '.join(uses)}"] if uses else []
        if quoted:
            speakers = [who for who, _ in Counter(t["quoted_from"] for t in quoted).most_common()]
            verb = "is" if len(quoted) == 1 else "are"
            parts.append(f"{_count(len(quoted), 'technique span')} {verb} inside quotes from {_listing(speakers)}")
        text = "; ".join(parts)
        text = text[:1].upper() + text[1:]
        chosen = (loaded + [t for t in own if t not in loaded] + quoted)[:MAX_SPANS]
        return {"text": text + ".", "kind": "techniques",
                "evidence": [{"path": "stop.techniques"}] + [_span(t) for t in chosen]}

    def _headline(self, report) -> dict | None:
        headline = report.stop.get("headline") or {}
        if not headline:
            return None
        closest = headline.get("closest_sentence")
        if headline.get("overstates"):
            words = [c["text"] for c in headline.get("cues", []) if c.get("outside_text")]
            text = "The headline overstates the body"
            if words:
                text += " (" + ", ".join(f"“{w}”" for w in dict.fromkeys(words)) + ")"
            if closest:
                text += f"; the closest the body comes is “{_clip(closest['text']).rstrip('.')}”"
            evidence = [{"path": "stop.headline.cues"}] + [dict(c) for c in headline.get("cues", [])
                                                             if c.get("outside_text")][:MAX_SPANS]
            if closest:
                evidence.append(_span(closest))
            return {"text": text + ".", "kind": "headline", "evidence": evidence}
        if headline.get("stance") in ("disagree", "unrelated"):
            what = "disputes" if headline["stance"] == "disagree" else "does not address"
            return {"text": f"The body {what} the headline.", "kind": "headline",
                    "evidence": [{"path": "stop.headline.stance_scores"}] + ([_span(closest)] if closest else [])}
        return None

    def _hyperpartisan(self, report) -> dict | None:
        hyper = report.stop.get("hyperpartisan") or {}
        if not hyper.get("hyperpartisan"):
            return None
        spans = [e for r in hyper.get("reasons", []) for e in r.get("evidence", []) if "start" in e]
        reasons = "; ".join(r["text"].rstrip(".") for r in hyper.get("reasons", [])[:2])
        return {"text": f"Hyperpartisan tone (probability {hyper.get('score', 0):.2f})" +
                        (f": {reasons}." if reasons else "."), "kind": "hyperpartisan",
                "evidence": [{"path": "stop.hyperpartisan.reasons"}] + [_span(s) for s in spans[:MAX_SPANS]]}

    def _coverage(self, report) -> dict | None:
        matches = report.coverage.get("matches", [])
        if not matches:
            return None
        false = [i for i, m in enumerate(matches) if FALSE_VERDICT.search(str((m.get("factcheck") or {}).get("verdict")))]
        if false:
            text = f"{_count(len(false), 'claim')} {_agree(len(false), 'match')} fact-checks rated false or misleading."
            chosen = false
        else:
            text = f"{_count(len(matches), 'claim')} {_agree(len(matches), 'match')} published fact-checks."
            chosen = list(range(len(matches)))
        evidence = [{"path": f"coverage.matches[{i}]"} for i in chosen[:MAX_SPANS]]
        evidence += [_span(matches[i]["claim"]) for i in chosen[:MAX_SPANS] if isinstance(matches[i].get("claim"), dict)]
        return {"text": text, "kind": "coverage", "evidence": evidence}

    def _claims(self, report) -> dict | None:
        claims = report.claims.get("claims", [])
        quotes = report.claims.get("quotes", [])
        if not claims and not quotes:
            return None
        parts = []
        # a count of zero claims would read as a finding when the claims head did not run
        if claims:
            own = sum(1 for c in claims if c.get("attributed_to") == "outlet" or not c.get("speaker"))
            text = _count(len(claims), "check-worthy claim")
            if 0 < own < len(claims):
                text += f" ({own} asserted by the outlet itself, {len(claims) - own} by people or bodies it quotes)"
            elif own == len(claims):
                text += " (all asserted by the outlet itself)"
            parts.append(text)
        if quotes:
            speakers = Counter(q.get("speaker") for q in quotes if q.get("speaker"))
            text = _count(len(quotes), "quote")
            if speakers:
                named = [f"{who} ({n})" for who, n in speakers.most_common()]
                rest = len(named) - 3
                text += ", most from " + _listing(named[:3] + ([f"{_count(rest, 'other speaker')}"] if rest > 0 else []))
            parts.append(text)
        ranked = sorted(claims, key=lambda c: -c.get("checkworthiness", 0))
        return {"text": "; ".join(parts) + ".", "kind": "claims",
                "evidence": [{"path": "claims.claims"}, {"path": "claims.quotes"}] + [_span(c) for c in ranked[:3]]}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _agree(n: int, verb: str) -> str:
    """The verb for n subjects: "1 claim matches", "2 claims match"."""
    return verb + ("es" if verb.endswith(("ch", "sh", "s", "x")) else "s") if n == 1 else verb


def _listing(items: list[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _span(obj: dict) -> dict:
    """A span reference: start, end, text (and the title marker when it is not in article.text)."""
    out = {"start": obj["start"], "end": obj["end"], "text": obj["text"]}
    for key in ("outside_text", "field", "technique"):
        if key in obj:
            out[key] = obj[key]
    return out


def _clip(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def _sentence_of(doc: Doc, offset: int) -> int:
    for i, (s, e) in enumerate(doc.article.sentences):
        if s <= offset < e:
            return i
    return -1
