"""Hyperpartisan experiments: the outbound links of the SemEval-2019 articles as a block.

Reads the links of every article in articles.xml (`HyperpartisanArticle.links`: external ones with
their target, internal ones without), and writes, for the repeated-CV harness:

- `counts-domains.npz`: per article, the count of external links to each registrable domain (the
  public-suffix list bundled with tldextract, offline); TF-IDF over it is fitted inside every fold
  like the words block (block `domains`);
- `linkstats.npy`: the model's links block (`newssift.stop.link_features.link_features`, block
  `linkstats`): log external / internal links, distinct domains, external links per 1,000 words,
  share to social media, share to video sites, and the share of external links to outlets that MBFC
  (Idiap's table, else Baly et al. 2018) rates left, left-center, least biased/center, right-center,
  right, extreme right, conspiracy or pseudoscience, and of low or very low factual reporting; and
  the share rated at all.

    HP_CACHE=<folder> python benchmarks/hyperpartisan_links.py
"""
import os
from collections import Counter

import numpy as np
from scipy import sparse

from newssift.stop.link_features import LINK_FEATURES, link_features, rating_table, split_links

DATA = os.environ.get("NEWSSIFT_DATA", "../shared/data")
CACHE = os.environ.get("HP_CACHE", "/work/cache/hp")


def main():
    from newssift.stop.hyperpartisan_data import read_hyperpartisan
    arts = read_hyperpartisan(f"{DATA}/hyperpartisan-semeval2019/train")
    rated = rating_table(DATA)
    doms = [split_links(a.links)[0] for a in arts]
    vocab = sorted({d for ds in doms for d in ds})
    index = {d: j for j, d in enumerate(vocab)}
    rows, cols, vals = [], [], []
    for i, ds in enumerate(doms):
        for d, c in Counter(ds).items():
            rows.append(i), cols.append(index[d]), vals.append(float(c))
    C = sparse.csr_matrix((vals, (rows, cols)), shape=(len(arts), len(vocab)), dtype=np.float32)
    sparse.save_npz(f"{CACHE}/counts-domains.npz", C)
    S = np.stack([link_features(a.links, a.text, rated) for a in arts])
    np.save(f"{CACHE}/linkstats.npy", S)
    y = np.array([bool(a.hyperpartisan) for a in arts])
    has = np.array([len(ds) > 0 for ds in doms])
    print(f"{len(arts)} articles, {sum(map(len, doms))} external links to {len(vocab)} domains "
          f"({len(rated)} domains rated); with external links: {has.mean():.3f} "
          f"(hyperpartisan {has[y].mean():.3f}, not {has[~y].mean():.3f})")
    for j, name in enumerate(LINK_FEATURES):
        print(f"  {name:32s} hyperpartisan {S[y, j].mean():.3f}  not {S[~y, j].mean():.3f}")
    top = Counter(d for ds in doms for d in set(ds))
    hp = Counter(d for ds, t in zip(doms, y) if t for d in set(ds))
    print("top domains (articles, of which hyperpartisan):",
          ", ".join(f"{d} {c}/{hp[d]}" for d, c in top.most_common(40)))


if __name__ == "__main__":
    main()
