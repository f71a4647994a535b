"""The open rating lists newssift installs: where each comes from, and how to read it.

Every list records its publisher's public location, the SHA-256 of the exact files expected
there, its own scale in words, and the rule that maps a raw value to a 0–1 quality. The rules
never invent a scale: a number is rescaled linearly from the list's own range; ordered labels
are spaced evenly from the lowest (0) to the highest (1) label the list itself uses; a list
that says nothing about accuracy (bias only) gets quality null.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Callable

from newssift.source.domains import list_key


@dataclass(frozen=True)
class ListFile:
    path: str  # relative to a folder laid out like ../shared/data ("sources/lin2023/domain_pc1.csv")
    url: str  # the publisher's public copy of the same file
    sha256: str


@dataclass(frozen=True)
class RatingList:
    name: str
    title: str
    publisher: str
    version: str
    date: str
    scale: str
    quality_rule: str | None
    licence: str
    url: str  # the publisher's page for the list
    citation: str
    files: tuple[ListFile, ...]
    parse: Callable[[dict[str, bytes]], list[dict]] = field(repr=False)

    def meta(self) -> dict:
        return {
            "name": self.name, "title": self.title, "publisher": self.publisher, "version": self.version,
            "date": self.date,            "scale": self.scale, "quality_rule": self.quality_rule, "licence": self.licence, "url": self.url,
            "citation": self.citation, "kind": "builtin",
        }


def even_labels(labels: list[str]) -> dict[str, float]:
    """Ordered labels, lowest first, spaced evenly on 0..1: the documented rule for label scales."""
    if len(labels) < 2:
        raise ValueError("a label scale needs at least two labels")
    step = 1.0 / (len(labels) - 1)
    return {label: round(i * step, 4) for i, label in enumerate(labels)}


def _csv_rows(data: bytes, delimiter: str = ",") -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def _float(value) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if out == out else None  # NaN is missing


def _dedupe(rows: list[dict]) -> list[dict]:
    """One row per key. Where a list rates renderings of one site apiece (m.espn.com, espn.com), the
    row written exactly as the key wins; otherwise the list's first row for the key."""
    chosen: dict[str, dict] = {}
    for row in rows:
        key = row["domain"]
        if not key:
            continue
        exact = row.pop("_raw", key) == key
        if key not in chosen or (exact and not chosen[key]["_exact"]):
            chosen[key] = {**row, "_exact": exact}
    return [{k: v for k, v in row.items() if k != "_exact"} for row in chosen.values()]


def _slug_name(ref: str) -> str | None:
    """"https://mediabiasfactcheck.com/the-village-voice/" → "The Village Voice"."""
    slug = [part for part in (ref or "").split("/") if part][-1:] or [""]
    words = [w for w in slug[0].split("-") if w]
    if not words or "mediabiasfactcheck" in slug[0]:
        return None
    return " ".join(w if w.isupper() else w.capitalize() for w in words)


# -- Lin et al. 2023 -----------------------------------------------------------------------------------
_LIN = "sources/lin2023/domain_pc1.csv"


def _parse_lin(files: dict[str, bytes]) -> list[dict]:
    rows = []
    for row in _csv_rows(files[_LIN]):
        pc1 = _float(row.get("pc1"))
        if pc1 is None:
            continue
        rows.append({"domain": list_key(row["domain"]), "_raw": row["domain"].strip().lower(), "value": pc1,
                     "quality": round(pc1, 4), "rater": "lin2023"})
    return _dedupe(rows)


# -- MBFC (as scraped in idiap/News-Media-Reliability) ------------------------------------------------------
_MBFC = "sources/idiap/mbfc.csv"
# The factual-reporting labels this table uses, lowest first (MBFC's own order).
MBFC_FACT = even_labels(["very low", "low", "mixed", "high", "very high"])


def _parse_mbfc(files: dict[str, bytes]) -> list[dict]:
    rows = []
    for row in _csv_rows(files[_MBFC]):
        fact = (row.get("factual_reporting") or "").strip().lower()
        bias = (row.get("bias") or "").strip().lower()
        if not fact and not bias:
            continue
        detail = {k: row[k].strip() for k in ("bias", "mbfc_credibility_rating", "country", "media_type")
                  if (row.get(k) or "").strip()}
        rows.append({"domain": list_key(row["source"]), "value": fact or None, "quality": MBFC_FACT.get(fact),
                     "rater": "mbfc", "detail": detail})
    return _dedupe(rows)


# -- NewsGuard (the 85 scores published with idiap/News-Media-Reliability) --------------------------------
_NEWSGUARD = "sources/idiap/newsguard.csv"


def _parse_newsguard(files: dict[str, bytes]) -> list[dict]:
    rows = []
    for row in _csv_rows(files[_NEWSGUARD]):
        score = _float(row.get("reliability_score"))
        if score is None:
            continue
        rows.append({"domain": list_key(row["domain"]), "value": score, "quality": round(score / 100.0, 4),
                     "rater": "newsguard"})
    return _dedupe(rows)


# -- Wikipedia perennial sources ---------------------------------------------------------------------------
_WIKIPEDIA = "sources/idiap/wikipedia_perennial_sources.json"
WIKIPEDIA_STATUS = {-2: "deprecated", -1: "generally unreliable", 0: "no consensus", 1: "generally reliable"}
WIKIPEDIA_QUALITY = even_labels([WIKIPEDIA_STATUS[k] for k in (-2, -1, 0, 1)])


def _parse_wikipedia(files: dict[str, bytes]) -> list[dict]:
    rows = []
    for domain, status in json.loads(files[_WIKIPEDIA]).items():
        label = WIKIPEDIA_STATUS.get(int(status))
        rows.append({"domain": list_key(domain), "value": int(status), "quality": WIKIPEDIA_QUALITY.get(label),
                     "rater": "wikipedia", "detail": {"status": label}})
    return _dedupe(rows)


# -- idiap golden truth (Burdisso et al. 2024) -----------------------------------------------------------------
_GOLDEN = "sources/idiap/golden_truth_dataset.csv"
GOLDEN_LABEL = {-2: "deprecated", -1: "unreliable", 0: "mixed", 1: "reliable"}
GOLDEN_QUALITY = even_labels([GOLDEN_LABEL[k] for k in (-2, -1, 0, 1)])


def _parse_golden(files: dict[str, bytes]) -> list[dict]:
    rows = []
    for row in _csv_rows(files[_GOLDEN]):
        label_value = _float(row.get("reliability_label"))
        if label_value is None:
            continue
        label = GOLDEN_LABEL.get(int(label_value))
        origin = (row.get("label_source") or "").strip()
        detail = {"label": label, "label_source": origin}
        if _float(row.get("newsguard_score")) is not None:
            detail["newsguard_score"] = _float(row["newsguard_score"])
        rows.append({"domain": list_key(row["domain"]), "value": int(label_value),
                     "quality": GOLDEN_QUALITY.get(label),
                     # the label was taken from this rater; "manual" rows are the authors' own
                     "rater": "idiap-manual" if origin == "manual" else origin or "idiap-manual",
                     "detail": detail})
    return _dedupe(rows)


# -- Baly et al. (MBFC snapshots) ------------------------------------------------------------------------------
BALY_FACT = even_labels(["low", "mixed", "high"])


def _baly_parser(path: str) -> Callable[[dict[str, bytes]], list[dict]]:
    def parse(files: dict[str, bytes]) -> list[dict]:
        rows = []
        for row in _csv_rows(files[path], delimiter="\t"):
            fact = (row.get("fact") or "").strip().lower()
            rows.append({
                "domain": list_key(row.get("source_url_normalized") or row.get("source_url") or ""),
                "outlet": _slug_name(row.get("ref") or ""),
                "value": fact, "quality": BALY_FACT.get(fact), "rater": "mbfc",
                "detail": {"bias": (row.get("bias") or "").strip(), "mbfc_page": (row.get("ref") or "").strip()},
            })
        return _dedupe(rows)

    return parse


_BALY18 = "sources/baly2018/emnlp18/corpus.tsv"
_BALY20 = "sources/baly2018/acl2020/corpus.tsv"

# -- OpenSources -------------------------------------------------------------------------------------------------
_OPENSOURCES = "sources/opensources/sources.json"
# Tags OpenSources defines as kinds of unreliable source; a domain carrying any of them is "flagged".
OPENSOURCES_FLAGS = {"fake", "conspiracy", "junksci", "hate", "rumor", "unreliable", "clickbait"}
# Tags that describe genre or leaning (satire, bias, political, state, blog) say nothing about accuracy.
_OPENSOURCES_SPELLING = {"fake news": "fake", "unrealiable": "unreliable", "satirical": "satire"}


def _parse_opensources(files: dict[str, bytes]) -> list[dict]:
    rows = []
    for domain, entry in json.loads(files[_OPENSOURCES]).items():
        tags = []
        for slot in ("type", "2nd type", "3rd type"):
            tag = (entry.get(slot) or "").strip().lower()
            tag = _OPENSOURCES_SPELLING.get(tag, tag)
            if tag and tag not in tags:
                tags.append(tag)
        if not tags:
            continue
        if OPENSOURCES_FLAGS.intersection(tags):
            quality = 0.0
        elif "reliable" in tags:
            quality = 1.0
        else:
            quality = None
        notes = (entry.get("Source Notes (things to know?)") or "").strip()
        rows.append({"domain": list_key(domain), "value": tags, "quality": quality, "rater": "opensources",
                     "detail": {"notes": notes} if notes else None})
    return _dedupe(rows)


# -- outlet names (not a rating list: names that pages call themselves by) -----------------------------------
NELA_NAMES = ListFile(
    "sources/idiap/labels_nela_gt_domain_2018.csv",
    "https://raw.githubusercontent.com/idiap/News-Media-Reliability/HEAD/data/golden_truth/labels_nela_gt_domain_2018.csv",
    "693757d8fb47b0a8fbfa6a20be92bee202b748fc3ced94b15f383e1ab1d85306",
)


def parse_nela_names(data: bytes) -> list[dict]:
    out = []
    for row in _csv_rows(data):
        domain, name = list_key(row.get("domain") or ""), (row.get("Source") or "").strip()
        if domain and name:
            out.append({"domain": domain, "name": name, "origin": "NELA-GT-2018 source labels"})
    return out


_IDIAP_RAW = "https://raw.githubusercontent.com/idiap/News-Media-Reliability/HEAD/data/golden_truth/"
_IDIAP_PAGE = "https://github.com/idiap/News-Media-Reliability"
_IDIAP_CITE = ("Burdisso, Sanchez-Cortes, Villatoro-Tello, Motlicek (2024). Reliability Estimation of News Media "
               "Sources: Birds of a Feather Flock Together. NAACL 2024.")
_BALY_RAW = "https://raw.githubusercontent.com/ramybaly/News-Media-Reliability/HEAD/data/"

BUILTIN_LISTS: tuple[RatingList, ...] = (
    RatingList(
        name="lin2023", title="Aggregate news-domain quality (Lin et al. 2023)",
        publisher="Lin, Lasser, Lewandowsky, Cole, Gully, Rand, Pennycook (PNAS Nexus)",
        version="2023 (PNAS Nexus 2(9) pgad286)",
        date="2023-09",
        scale="0-1: first principal component of 6 expert rating sets (0 lowest quality, 1 highest)",
        quality_rule="quality = pc1 (already 0-1)",
        licence="not stated; the authors write 'feel free to reuse the data'",
        url="https://github.com/hauselin/domain-quality-ratings",
        citation=("Lin, H. et al. (2023). High level of correspondence across different news domain quality "
                  "rating sets. PNAS Nexus 2(9), pgad286. doi:10.1093/pnasnexus/pgad286"),
        files=(ListFile(_LIN, "https://raw.githubusercontent.com/hauselin/domain-quality-ratings/HEAD/data/domain_pc1.csv",
                        "18221d8c4ce30e25ceab4ce3d1c9a7babaf9e935bd42ed2c89e3c52fc19d5e1a"),),
        parse=_parse_lin,
    ),
    RatingList(
        name="mbfc", title="Media Bias/Fact Check factual reporting",
        publisher="Media Bias/Fact Check (mediabiasfactcheck.com), table published by Idiap (Burdisso et al.)",
        version="idiap/News-Media-Reliability release (NAACL 2024)",
        date="2024",
        scale="factual reporting: very low, low, mixed, high, very high (bias kept beside it)",
        quality_rule="even spacing of MBFC's labels: very low 0, low 0.25, mixed 0.5, high 0.75, very high 1",
        licence="table Apache-2.0 (Idiap); the ratings are MBFC's",
        url=_IDIAP_PAGE, citation=_IDIAP_CITE,
        files=(ListFile(_MBFC, _IDIAP_RAW + "mbfc.csv",
                        "ff9cec9fec5733c9e9d37c91343a5c0a264d7f48f0091a620fa535f7bdf56c9c"),),
        parse=_parse_mbfc,
    ),
    RatingList(
        name="newsguard", title="NewsGuard reliability scores (85 domains)",
        publisher="NewsGuard, scores published by Idiap (Burdisso et al.)",
        version="idiap/News-Media-Reliability release (NAACL 2024)",
        date="2024",
        scale="0-100 NewsGuard score (100 highest)",
        quality_rule="quality = score / 100",
        licence="table Apache-2.0 (Idiap); the scores are NewsGuard's",
        url=_IDIAP_PAGE, citation=_IDIAP_CITE,
        files=(ListFile(_NEWSGUARD, _IDIAP_RAW + "newsguard.csv",
                        "5378e09d63b715e3f33f01a81062803e80d916f9c96d494b5a0eb45d7f8b322e"),),
        parse=_parse_newsguard,
    ),
    RatingList(
        name="wikipedia", title="Wikipedia: Reliable sources/Perennial sources",
        publisher="English Wikipedia editors, table published by Idiap (Burdisso et al.)",
        version="idiap/News-Media-Reliability release (NAACL 2024)",
        date="2024",
        scale="-2 deprecated, -1 generally unreliable, 0 no consensus, 1 generally reliable",
        quality_rule="even spacing of the four statuses: deprecated 0, generally unreliable 0.33, "
                     "no consensus 0.67, generally reliable 1",
        licence="table Apache-2.0 (Idiap); Wikipedia text CC BY-SA 4.0",
        url="https://en.wikipedia.org/wiki/Wikipedia:Reliable_sources/Perennial_sources", citation=_IDIAP_CITE,
        files=(ListFile(_WIKIPEDIA, _IDIAP_RAW + "wikipedia_perennial_sources.json",
                        "7cf56383927f61795ef2779c58e425df06bfb5a9be56c3770a21648951a95067"),),
        parse=_parse_wikipedia,
    ),
    RatingList(
        name="idiap-golden", title="News-media reliability ground truth (Burdisso et al. 2024)",
        publisher="Idiap Research Institute (labels from MBFC, Wikipedia, NewsGuard and manual annotation)",
        version="NAACL 2024 release",
        date="2024",
        scale="-2 deprecated, -1 unreliable, 0 mixed, 1 reliable",
        quality_rule="even spacing of the four labels: deprecated 0, unreliable 0.33, mixed 0.67, reliable 1",
        licence="Apache-2.0", url=_IDIAP_PAGE, citation=_IDIAP_CITE,
        files=(ListFile(_GOLDEN, _IDIAP_RAW + "golden_truth_dataset.csv",
                        "be2d562a6b78a6a74b7736a94b76a3d585da8f6eabdcd500b215307521715927"),),
        parse=_parse_golden,
    ),
    RatingList(
        name="baly2018", title="Factuality of reporting of news media (Baly et al. 2018)",
        publisher="Baly, Karadzhov, Alexandrov, Glass, Nakov (EMNLP 2018); labels from MBFC",
        version="EMNLP 2018 (MBFC snapshot 2018)",
        date="2018",
        scale="factuality: low, mixed, high (7-way bias kept beside it)",
        quality_rule="even spacing: low 0, mixed 0.5, high 1",
        licence="not stated (labels from mediabiasfactcheck.com)",
        url="https://github.com/ramybaly/News-Media-Reliability",
        citation="Baly, R. et al. (2018). Predicting Factuality of Reporting and Bias of News Media Sources. EMNLP 2018.",
        files=(ListFile(_BALY18, _BALY_RAW + "emnlp18/corpus.tsv",
                        "7f96b15459a23bc5267ca5dc0df66e71d0dc38a28b797b2ec3d228b818427cbf"),),
        parse=_baly_parser(_BALY18),
    ),
    RatingList(
        name="baly2020", title="Factuality of reporting of news media (Baly et al. 2020)",
        publisher="Baly et al. (ACL 2020); labels from MBFC",
        version="ACL 2020 (MBFC snapshot 2020)",
        date="2020",
        scale="factuality: low, mixed, high (3-way bias kept beside it)",
        quality_rule="even spacing: low 0, mixed 0.5, high 1",
        licence="not stated (labels from mediabiasfactcheck.com)",
        url="https://github.com/ramybaly/News-Media-Reliability",
        citation=("Baly, R. et al. (2020). What Was Written vs. Who Read It: News Media Profiling Using Text "
                  "Analysis and Social Media Context. ACL 2020."),
        files=(ListFile(_BALY20, _BALY_RAW + "acl2020/corpus.tsv",
                        "936cc629df930c7caae8b8506fe3843a6b0576c4f4afcd4b371b0156e8a65515"),),
        parse=_baly_parser(_BALY20),
    ),
    RatingList(
        name="opensources", title="OpenSources",
        publisher="OpenSources (Melissa Zimdars et al., opensources.co)",
        version="2017-04-28 (commit 2fb428d)",
        date="2017-04-28",
        scale="up to three tags: fake, satire, bias, conspiracy, rumor, state, junksci, hate, clickbait, "
              "unreliable, political, reliable",
        quality_rule=("flagged 0 when any tag is fake, conspiracy, junksci, hate, rumor, unreliable or clickbait; "
                      "1 when tagged reliable; null for satire, bias, political or state alone (genre or leaning, "
                      "not accuracy)"),
        licence="LGPL-3.0 (repository LICENSE)",
        url="https://github.com/OpenSourcesGroup/opensources",
        citation="Zimdars, M. et al. OpenSources: Professionally curated lists of online sources. opensources.co (2017).",
        files=(ListFile(_OPENSOURCES, "https://raw.githubusercontent.com/OpenSourcesGroup/opensources/"
                        "2fb428d0e132baae5ed8ab034d4eafbe9dc77cbb/sources/sources.json",
                        "b672d1fefcb787bf2f6a63688de64083699649e31af505f0a802191109c2d742"),),
        parse=_parse_opensources,
    ),
)

# Raters in the order their own list is preferred when several lists carry the same rater's verdict.
RATER_PREFERENCE = {"mbfc": ("mbfc", "baly2020", "baly2018", "idiap-golden")}
