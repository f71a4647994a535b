"""Figures for benchmarks/sources.md: list coverage, agreement between lists, outlet inference.

    PYTHONPATH=. python benchmarks/sources_figures.py ../shared/data > /tmp/sources-figures.json

Installs the lists into a temporary database, then prints one JSON object.
"""

from __future__ import annotations

import glob
import itertools
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from rich.console import Console


def main(data_dir: str) -> dict:
    from newssift.resources import install
    from newssift.source import store
    from newssift.source.lists import BUILTIN_LISTS
    from newssift.source.ratings import quality_label

    data = Path(data_dir)
    db_url = f"sqlite:///{tempfile.mkdtemp(prefix='nss-bench-')}/n.db"
    t0 = time.perf_counter()
    results = install(from_dir=data, db_url=db_url, console=Console(stderr=True, quiet=True))
    install_s = time.perf_counter() - t0

    by_list: dict[str, dict[str, float | None]] = defaultdict(dict)
    for row in store.all_ratings(db_url):
        by_list[row["list_name"]][row["domain"]] = row["quality"]
    lists = [spec.name for spec in BUILTIN_LISTS]
    coverage = {}
    for name in lists:
        qualities = by_list[name]
        labels = Counter(quality_label(q) for q in qualities.values())
        coverage[name] = {
            "domains": len(qualities),
            "with_quality": sum(q is not None for q in qualities.values()),
            "low": labels["low"], "mixed": labels["mixed"], "high": labels["high"],
            "also_in_lin2023": sum(d in by_list["lin2023"] for d in qualities),
        }
    all_domains = set().union(*(set(v) for v in by_list.values()))
    in_lists = Counter()
    for domain in all_domains:
        in_lists[sum(domain in by_list[n] for n in lists)] += 1

    from scipy.stats import spearmanr

    agreement = {}
    for a, b in itertools.combinations(lists, 2):
        shared = [d for d in by_list[a] if d in by_list[b] and by_list[a][d] is not None and by_list[b][d] is not None]
        if len(shared) < 20:
            continue
        qa = [by_list[a][d] for d in shared]
        qb = [by_list[b][d] for d in shared]
        same = sum(quality_label(x) == quality_label(y) for x, y in zip(qa, qb))
        opposite = sum({quality_label(x), quality_label(y)} == {"low", "high"} for x, y in zip(qa, qb))
        rho = spearmanr(qa, qb).statistic
        agreement[f"{a} / {b}"] = {"shared": len(shared), "same_label": round(same / len(shared), 3),
                                   "low_vs_high": round(opposite / len(shared), 3), "spearman": round(float(rho), 3)}

    return {
        "install_seconds": round(install_s, 2),
        "installed": {k: v.get("count") for k, v in results.items()},
        "coverage": coverage,
        "distinct_domains": len(all_domains),
        "domains_by_number_of_lists": dict(sorted(in_lists.items())),
        "agreement": agreement,
        "outlet_inference": outlet_inference(data, db_url),
    }


def outlet_inference(data: Path, db_url: str) -> dict:
    """Infer the outlet from text (+ title, + og:site_name) on FakeNewsNet pages; score against their URL."""
    from newssift.article import Article
    from newssift.source.domains import parse_source
    from newssift.source.outlet import build_name_index, infer_outlet

    index = build_name_index(db_url)
    pages = sorted(glob.glob(str(data / "fakenews-fakenewsnet-v1" / "*" / "*" / "*.json")))
    out = {}
    for setting in ("text", "text+title", "text+title+site_name"):
        n = labelled = answered = correct = 0
        wrong = []
        for path in pages:
            page = json.loads(Path(path).read_text("utf-8"))
            truth = None
            for key in ("canonical_link", "url"):
                parsed = parse_source(page.get(key) or "")
                if parsed:
                    truth = parsed
                    break
            if not truth or not (page.get("text") or "").strip():
                continue
            n += 1
            site = ((page.get("meta_data") or {}).get("og") or {}).get("site_name")
            article = Article(text=page["text"], title=page.get("title") if "title" in setting else None,
                              site_name=site if "site_name" in setting and isinstance(site, str) else None)
            found = infer_outlet(article, index)
            if found:
                answered += 1
                # right when it is the page's registrable domain or a host on it (abcnews.go.com)
                if found["domain"] == truth.domain or found["domain"] in truth.lookup_keys():
                    correct += 1
                elif len(wrong) < 12:
                    wrong.append({"page": Path(path).name, "truth": truth.host, "inferred": found["domain"],
                                  "evidence": found["evidence"]["text"]})
        out[setting] = {"pages": n, "answered": answered, "correct": correct,
                        "precision": round(correct / answered, 3) if answered else None,
                        "recall": round(correct / n, 3) if n else None, "errors": wrong}
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"), indent=2))
