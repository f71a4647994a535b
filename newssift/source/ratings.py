"""What the open rating lists say about an outlet: `lookup_source`, and a user's own list.

The `source` object (DESIGN.md) names every list behind a verdict, with its publisher, version,
scale and licence, keeps each list's raw value beside its 0–1 quality, and says where lists
disagree. The overall quality is Lin et al. 2023's pc1 when that list rates the domain (it is
itself an aggregate of six expert rating sets); otherwise the mean over independent raters,
one list per rater, so that three copies of MBFC's verdict count once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from functools import lru_cache
from pathlib import Path

from newssift.errors import InputError, ResourceMissing
from newssift.source import store
from newssift.source.domains import ParsedSource, list_key, parse_source
from newssift.source.lists import BUILTIN_LISTS, RATER_PREFERENCE, even_labels

# low < 0.4 <= mixed < 0.7 <= high. With these bounds every evenly spaced label scale the lists use
# (3, 4 and 5 labels) keeps its own reading: MBFC "mixed" is mixed, Wikipedia "no consensus" is mixed.
LOW_BELOW = 0.4
HIGH_FROM = 0.7
DEFAULT_LIST = "lin2023"
INSTALL_MESSAGE = ("Rating lists are not installed: run `newssift resources install --from DIR` "
                   "(DIR laid out like ../shared/data) or `newssift resources install` to fetch them.")


def quality_label(quality: float | None) -> str:
    if quality is None:
        return "unrated"
    if quality < LOW_BELOW:
        return "low"
    if quality < HIGH_FROM:
        return "mixed"
    return "high"


def lists_installed(db_url: str | None = None) -> bool:
    builtin = {spec.name for spec in BUILTIN_LISTS}
    return any(row["name"] in builtin or row["kind"] == "user" for row in store.list_rows(db_url))


def lookup_source(domain_or_url: str, db_url: str | None = None) -> dict:
    """The `source` object for a domain or URL. Unknown domains are "unrated" (quality null)."""
    parsed = parse_source(domain_or_url or "")
    if parsed is None:
        raise InputError(f"{domain_or_url!r} is not a domain name or a URL.")
    lists = store.list_rows(db_url)
    if not lists:
        raise ResourceMissing(INSTALL_MESSAGE)
    result = source_object(parsed, db_url=db_url, lists=lists)
    # the same status/messages pair a report section carries (the head leaves them to the report)
    messages = [] if result["ratings"] else [f"None of the {len(lists)} installed lists rates {parsed.domain}."]
    return {"status": "ok", "messages": messages, **result}


def source_object(parsed: ParsedSource, db_url: str | None = None, lists: list[dict] | None = None) -> dict:
    lists = lists if lists is not None else store.list_rows(db_url)
    keys = parsed.lookup_keys()
    rank = {key: i for i, key in enumerate(keys)}
    best: dict[str, dict] = {}
    # one rating per list: the most specific key it rates (uk.reuters.com before reuters.com)
    for row in store.ratings_for(keys, db_url):
        current = best.get(row["list_name"])
        if current is None or rank[row["domain"]] < rank[current["domain"]]:
            best[row["list_name"]] = row
    order = {spec.name: i for i, spec in enumerate(BUILTIN_LISTS)}
    rows = sorted(best.values(), key=lambda r: (order.get(r["list_name"], len(order)), r["list_name"]))
    ratings = [_rating_dict(row) for row in rows]

    quality, basis = _overall(ratings)
    names = store.names_for(keys, db_url)
    outlet = names[0]["name"] if names else next((r["outlet"] for r in rows if r.get("outlet")), None)
    return {
        "domain": parsed.domain,
        "domain_unicode": parsed.unicode_domain if parsed.unicode_domain != parsed.domain else None,
        "host": parsed.host,
        "outlet": outlet,
        "inferred": False,
        "evidence": None,
        "quality": quality,
        "label": quality_label(quality),
        "quality_basis": basis,
        "aggregate": _aggregate(ratings),
        "verdicts": _verdict_counts(ratings),
        "ratings": ratings,
        "disagreement": _disagreement(ratings),
        "lists_consulted": [row["name"] for row in lists],
    }


def _rating_dict(row: dict) -> dict:
    quality = row["quality"]
    return {
        "list": row["list_name"],
        "title": row["title"],
        "publisher": row["publisher"],
        "version": row["version"],
        "date": row["date"],
        "scale": row["scale"],
        "value": row["value"],
        "verdict": _verdict_words(row),
        "quality": None if quality is None else round(float(quality), 4),
        "label": quality_label(quality) if quality is not None else "no quality rating",
        "quality_rule": row["quality_rule"],
        "licence": row["licence"],
        "url": row["url"],
        "matched": row["domain"],
        "rater": row["rater"],
        "detail": row["detail"] or {},
        "kind": row["kind"],
    }


def _verdict_words(row: dict) -> str:
    """The list's own verdict, in its own words."""
    value, detail, name = row["value"], row["detail"] or {}, row["list_name"]
    if name == "lin2023":
        return f"pc1 {value:.2f}"
    if name == "newsguard":
        return f"{value:g}/100"
    if name in ("wikipedia",):
        return detail.get("status") or str(value)
    if name == "idiap-golden":
        return f"{detail.get('label', value)} (from {detail.get('label_source') or 'idiap'})"
    if name == "mbfc":
        words = f"{value} factual reporting" if value else "factual reporting not rated"
        return f"{words}; bias: {detail['bias']}" if detail.get("bias") else words
    if name in ("baly2018", "baly2020"):
        return f"{value} factuality; bias: {detail['bias']}" if detail.get("bias") else f"{value} factuality"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _by_rater(ratings: list[dict]) -> dict[str, dict]:
    """One scored rating per rater: the rater's own list first, then the lists copied from it."""
    groups: dict[str, list[dict]] = {}
    for rating in ratings:
        if rating["quality"] is not None and rating["list"] != DEFAULT_LIST:
            groups.setdefault(rating["rater"] or rating["list"], []).append(rating)
    chosen = {}
    for rater, items in groups.items():
        preference = RATER_PREFERENCE.get(rater, ())
        items.sort(key=lambda r: (preference.index(r["list"]) if r["list"] in preference else len(preference),
                                  r["list"] != rater))
        chosen[rater] = items[0]
    return chosen


def _aggregate(ratings: list[dict]) -> dict | None:
    per_rater = _by_rater(ratings)
    if not per_rater:
        return None
    mean = sum(r["quality"] for r in per_rater.values()) / len(per_rater)
    return {
        "quality": round(mean, 4),
        "method": "mean over independent raters, one list each (Lin et al. 2023 excluded: it already combines them)",
        "lists": sorted(r["list"] for r in per_rater.values()),
    }


def _overall(ratings: list[dict]) -> tuple[float | None, str]:
    for rating in ratings:
        if rating["list"] == DEFAULT_LIST and rating["quality"] is not None:
            return rating["quality"], f"Lin et al. 2023 aggregate (pc1 of {rating['matched']})"
    aggregate = _aggregate(ratings)
    if aggregate:
        return aggregate["quality"], f"mean of {len(aggregate['lists'])} raters: {', '.join(aggregate['lists'])}"
    return None, "no list rates this domain"


def _verdict_counts(ratings: list[dict]) -> dict:
    counts = {"low": 0, "mixed": 0, "high": 0, "no quality rating": 0}
    for rating in ratings:
        counts[rating["label"]] += 1
    return counts


def _disagreement(ratings: list[dict]) -> dict | None:
    """Lists disagree when one rater's verdict is low and another's high (one list per rater)."""
    scored = list(_by_rater(ratings).values())
    scored += [r for r in ratings if r["list"] == DEFAULT_LIST and r["quality"] is not None]
    low = [r for r in scored if r["label"] == "low"]
    high = [r for r in scored if r["label"] == "high"]
    if not low or not high:
        return None
    lo = min(scored, key=lambda r: r["quality"])
    hi = max(scored, key=lambda r: r["quality"])
    return {
        "spread": round(hi["quality"] - lo["quality"], 4),
        "low": [r["list"] for r in low],
        "high": [r["list"] for r in high],
        "text": (f"{hi['list']} rates it {hi['verdict']} ({hi['quality']:.2f}) while "
                 f"{lo['list']} rates it {lo['verdict']} ({lo['quality']:.2f})."),
    }


# -- a user's own list -------------------------------------------------------------------------------------
_DOMAIN_HEADERS = ("domain", "domains", "site", "website", "host", "hostname", "url", "source", "outlet", "media")
_RATING_HEADERS = ("rating", "score", "quality", "reliability", "credibility", "value", "label", "grade", "rank",
                   "factuality", "trust")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()'-]{0,99}$")
_DOMAIN_LIKE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^/\s]+\.)+[^/\s.]{2,}(?:[/?#].*)?$", re.I)


def parse_scale(scale: str):
    """'0-1', '0-100', '1-5' (first number lowest, '5-1' reverses) or ordered labels 'low,mixed,high'.

    Returns (description, function raw string -> quality or raises ValueError).
    """
    text = (scale or "").strip()
    numeric = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*(?:-|–|\.\.|to)\s*(-?\d+(?:\.\d+)?)", text)
    if numeric:
        lowest, highest = float(numeric.group(1)), float(numeric.group(2))
        if lowest == highest:
            raise InputError(f"The scale {scale!r} has the same number at both ends.")
        lo, hi = min(lowest, highest), max(lowest, highest)

        def numeric_quality(raw: str) -> float:
            value = float(raw.strip().rstrip("%"))
            if not lo <= value <= hi:
                raise ValueError(f"{raw!r} is outside the scale {scale}")
            return round((value - lowest) / (highest - lowest), 4)

        return f"{numeric.group(1)} lowest to {numeric.group(2)} highest", "linear rescale to 0-1", numeric_quality
    labels = [label.strip().lower() for label in text.split(",") if label.strip()]
    if len(labels) >= 2 and len(set(labels)) == len(labels):
        mapping = even_labels(labels)

        def label_quality(raw: str) -> float:
            key = raw.strip().lower()
            if key not in mapping:
                raise ValueError(f"{raw!r} is not one of the labels {', '.join(labels)}")
            return mapping[key]

        rule = "even spacing: " + ", ".join(f"{k} {v:g}" for k, v in mapping.items())
        return f"labels, lowest first: {', '.join(labels)}", rule, label_quality
    raise InputError(
        f"The scale {scale!r} is not understood: give a numeric range such as '0-1', '0-100' or '1-5' "
        "(lowest first), or the labels lowest first, such as 'low,mixed,high'."
    )


def _pick_column(header: list[str], rows: list[list[str]], preferred: tuple[str, ...], test) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in preferred:
        if name in lowered:
            return lowered.index(name)
    for name in preferred:  # "domain_name", "newsguard_score"
        for i, h in enumerate(lowered):
            if name in h:
                return i
    best, best_share = None, 0.0
    for i in range(len(header)):
        values = [row[i] for row in rows if i < len(row) and row[i].strip()]
        if not values:
            continue
        share = sum(1 for v in values if test(v)) / len(values)
        if share > best_share:
            best, best_share = i, share
    return best if best_share >= 0.8 else None


def add_user_list(file: str | Path, name: str, scale: str, db_url: str | None = None) -> dict:
    """Store a user's CSV of domain ratings as a named list (replacing a user list of the same name)."""
    path = Path(file)
    if not path.is_file():
        raise InputError(f"{path} is not a file.")
    if not _NAME_RE.match(name or ""):
        raise InputError(f"The list name {name!r} must be 1-100 letters, digits, spaces or ._()'- characters.")
    if name in {spec.name for spec in BUILTIN_LISTS}:
        raise InputError(f"{name!r} is the name of a built-in list; choose another name.")
    scale_words, rule, to_quality = parse_scale(scale)
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text.") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    table = [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
    if len(table) < 2:
        raise InputError(f"{path} has no rows under its header.")
    header, body = table[0], table[1:]
    domain_col = _pick_column(header, body, _DOMAIN_HEADERS, lambda v: bool(_DOMAIN_LIKE.match(v.strip())))
    if domain_col is None:
        raise InputError(f"No domain column found in {path}: name one 'domain' or 'url'.")

    def fits(v: str) -> bool:
        try:
            to_quality(v)
            return True
        except ValueError:
            return False

    other_cols = [i for i in range(len(header)) if i != domain_col]
    picked = _pick_column([header[i] for i in other_cols],
                          [[r[i] if i < len(r) else "" for i in other_cols] for r in body], _RATING_HEADERS, fits)
    if picked is None:
        raise InputError(f"No rating column found in {path}: name one 'rating' or 'score', "
                         f"with values on the scale {scale!r}.")
    rating_col = other_cols[picked]
    rows, seen = [], set()
    for line_no, row in enumerate(body, start=2):
        raw_domain = row[domain_col].strip() if domain_col < len(row) else ""
        raw_value = row[rating_col].strip() if rating_col < len(row) else ""
        if not raw_domain or not raw_value:
            continue
        key = list_key(raw_domain)
        if key is None:
            raise InputError(f"Line {line_no} of {path}: {raw_domain!r} is not a domain or URL.")
        try:
            quality = to_quality(raw_value)
        except ValueError as exc:
            raise InputError(f"Line {line_no} of {path}: {exc}.") from None
        if key in seen:
            continue
        seen.add(key)
        value = float(raw_value) if re.fullmatch(r"-?\d+(?:\.\d+)?", raw_value) else raw_value
        rows.append({"domain": key, "value": value, "quality": quality, "rater": f"user:{name}"})
    if not rows:
        raise InputError(f"{path} has no rows with both a domain and a rating.")
    meta = {
        "name": name, "title": name, "publisher": "you (a local list)", "version": None, "date": None,
        "scale": f"{scale} ({scale_words})", "quality_rule": rule, "licence": None, "url": None,
        "citation": None, "kind": "user", "installed_from": str(path.resolve()),
        "files": [{"path": str(path.resolve()), "url": None,
                   "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}],
    }
    count = store.replace_list(meta, rows, db_url)
    _name_index.cache_clear()
    result = {"list": name, "count": count, "domain_column": header[domain_col], "rating_column": header[rating_col],
              "scale": meta["scale"], "quality_rule": rule}
    from rich.console import Console

    Console(stderr=True).print(f"Added list {name!r}: {count} domains (domain column {header[domain_col]!r}, "
                               f"rating column {header[rating_col]!r}, {rule}).", highlight=False)
    return result


@lru_cache(maxsize=4)
def _name_index(db_url: str | None, stamp: str):
    from newssift.source.outlet import build_name_index

    return build_name_index(db_url)


def name_index(db_url: str | None = None):
    """The outlet name → domain index, rebuilt when lists are reinstalled."""
    stamp = "|".join(f"{r['name']}@{r['installed_at']}" for r in store.list_rows(db_url))
    return _name_index(db_url, stamp)
