"""What an article links to: the hyperpartisan model's `links` block.

From the links in the article's main content (`Article.links`): how many go to other sites and how
many stay on the article's own site, how many distinct sites, links per 1,000 words, the share that
go to social media and to video sites, and the share that go to outlets Media Bias/Fact Check rates
left, left-center, least biased, right-center, right, extreme right, or conspiracy/pseudoscience, or
of low factual reporting (the MBFC table published by Idiap, else the MBFC snapshot of Baly et al.
2018; both offline under `sources/` of the data folder). The rating table the model was trained with
is kept in its artefact, so analysis needs no installed lists.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from newssift.source.domains import registrable_domain

SOCIAL = frozenset({"twitter.com", "x.com", "t.co", "facebook.com", "fb.me", "instagram.com", "reddit.com"})
VIDEO = frozenset({"youtube.com", "youtu.be", "vimeo.com", "dailymotion.com", "rumble.com", "bitchute.com"})
BIAS_GROUPS = ("left", "left-center", "center", "right-center", "right", "extreme-right", "conspiracy")
LINK_FEATURES: tuple[str, ...] = (
    "log_external_links", "log_internal_links", "log_external_domains", "external_links_per_1000_words",
    "social_share", "video_share", *(f"{g}_share" for g in BIAS_GROUPS), "low_factuality_share", "rated_share",
)
# SemEval-2019's articles.xml gives links within the publisher's site without their target
INTERNAL_PLACEHOLDER = "/"


def bias_group(label: str | None) -> str | None:
    """MBFC's bias label (either table's spelling) -> one of BIAS_GROUPS, or None (pro-science, unrated)."""
    label = (label or "").strip().lower().replace("_", "-")
    if "conspiracy" in label or "pseudoscience" in label:
        return "conspiracy"
    if label in ("least biased", "center"):
        return "center"
    if label in ("extreme right", "extreme-right", "far right", "far-right"):
        return "extreme-right"
    if label in ("extreme left", "extreme-left", "far left", "far-left", "left"):
        return "left"
    if label in ("left-center", "right-center", "right"):
        return label
    return None


def rating_table(data_dir: str | Path) -> dict[str, tuple[str | None, bool]]:
    """Registrable domain -> (bias group, low or very low factual reporting), from the MBFC table of
    Idiap, then Baly et al. 2018 for domains it lacks, read by the source section's own list parsers.
    Empty when neither file is there."""
    from newssift.source.lists import BUILTIN_LISTS

    root = Path(data_dir)
    table: dict[str, tuple[str | None, bool]] = {}
    for rating_list in (r for name in ("mbfc", "baly2018") for r in BUILTIN_LISTS if r.name == name):
        if not all((root / f.path).is_file() for f in rating_list.files):
            continue
        for row in rating_list.parse({f.path: (root / f.path).read_bytes() for f in rating_list.files}):
            domain = registrable_domain(row["domain"] or "")
            if domain and domain not in table:
                table[domain] = (bias_group(row["detail"].get("bias")), (row["value"] or "") in ("low", "very low"))
    return table


def split_links(links: list[str], own_domain: str | None = None) -> tuple[list[str], int]:
    """(registrable domains of the links to other sites, number of links within the site). A link
    without a host is within the site, and so is one to `own_domain`; mailto:, tel:, javascript: and
    other schemes are neither."""
    external: list[str] = []
    internal = 0
    own = registrable_domain(own_domain) if own_domain else None
    for href in links:
        href = (href or "").strip()
        try:
            parts = urlsplit(href)
        except ValueError:
            continue
        if parts.scheme and parts.scheme.lower() not in ("http", "https"):
            continue
        if not parts.netloc:
            internal += 1
            continue
        domain = registrable_domain(href)
        if not domain:
            continue
        if domain == own:
            internal += 1
        else:
            external.append(domain)
    return external, internal


def link_features(links: list[str], text: str, ratings: dict, own_domain: str | None = None) -> np.ndarray:
    """LINK_FEATURES of one article from its links, its text (for the words) and a `rating_table`."""
    external, internal = split_links(links, own_domain)
    n = max(1, len(external))
    words = max(1, len(text.split()))
    groups = Counter(ratings[d][0] for d in external if d in ratings)
    row = [np.log1p(len(external)), np.log1p(internal), np.log1p(len(set(external))), 1000.0 * len(external) / words,
           sum(d in SOCIAL for d in external) / n, sum(d in VIDEO for d in external) / n]
    row += [groups.get(g, 0) / n for g in BIAS_GROUPS]
    row += [sum(ratings[d][1] for d in external if d in ratings) / n, sum(d in ratings for d in external) / n]
    return np.array(row, dtype=np.float64)
