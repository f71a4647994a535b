"""Hyperpartisan experiments: the link blocks (hyperpartisan_links.py) added to the shipped stack
(words C 30 + encoder + technique token shares + style), on the repeated-CV folds; paired over the
folds against the shipped stack, repeats where ahead, balanced-set accuracy.

    HP_PROPAGANDA=f76023ba827b4171 python benchmarks/hyperpartisan_links_cv.py domains linkstats domains+linkstats
    HP_SEED0=5 ... (other folds), HP_GROUPED=1 ... (folds grouped by publisher)

Balanced-set accuracy at thresholds 0.5 / 0.45 / 0.40 / 0.369; each variant's 50 per-fold differences
to the shipped stack are saved (folddiff-<variant>-<seed0>.npy) to pool fold sets.
"""
import sys

import numpy as np

import hyperpartisan_repeated_cv as H

SHIPPED = ["words_c30", "encoder", "tf_share3", "style"]


def line(label, prob, shipped):
    s = H.summary(prob, shipped)
    rep = np.array([((prob[r] >= 0.5) == H.Y).mean() - ((shipped[r] >= 0.5) == H.Y).mean() for r in range(H.REPEATS)])
    bal = " / ".join(f"{H.balanced(prob, t):.3f}" for t in (0.5, 0.45, 0.4, 0.369))
    acc = " ".join(f"{((prob[r] >= 0.5) == H.Y).mean():.3f}" for r in range(H.REPEATS))
    print(f"{label:45s} acc {s['acc']:.4f} ±{s['se_rep']:.4f} (rep) ±{s['se_fold']:.4f} (fold) F1 {s['f1']:.3f} "
          f"bal {bal} | vs shipped {s['diff']:+.4f}±{s['se_diff']:.4f} ahead {int((rep > 0).sum())}/{H.REPEATS} "
          f"({' '.join(f'{x:+.3f}' for x in rep)}) | per repeat {acc}", flush=True)
    return H.fold_accuracy(prob) - H.fold_accuracy(shipped)


def main(variants):
    shipped = H.stack(SHIPPED)
    line("shipped " + "+".join(SHIPPED), shipped, shipped)
    for v in variants:
        if v.startswith("="):  # another stack, e.g. =words_c30+encoder+style+linkstats (a fallback)
            line(v[1:], H.stack(v[1:].split("+")), shipped)
            continue
        d = line(f"shipped + {v}", H.stack(SHIPPED + v.split("+")), shipped)
        np.save(f"{H.CACHE}/folddiff-{v}-{H.SEED0}{'-grouped' if H.GROUPED else ''}.npy", d)
        print(f"  {v} alone: acc {H.summary(H.stack(v.split('+')))['acc']:.4f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
