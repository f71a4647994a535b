"""Hyperpartisan experiments: the technique-block variants of hyperpartisan_token_features.py in the
repeated-CV harness (same 50 folds): each in the shipped stack in place of the technique block, against
the shipped stack (paired over the 50 folds; repeats where it is ahead), alone, and the best chosen by
nested selection inside every outer fold (see hyperpartisan_repeated_cv.nested).

    HP_PROPAGANDA=<digest> python benchmarks/hyperpartisan_tech_variants.py tf_agg tf_dec_t0.3_p0.6 ...
"""
import sys
from collections import Counter

import numpy as np

import hyperpartisan_repeated_cv as H


def line(label, prob, ref, shipped):
    s = H.summary(prob, ref)
    d = H.fold_accuracy(prob) - H.fold_accuracy(shipped)
    rep = np.array([((prob[r] >= 0.5) == H.Y).mean() - ((shipped[r] >= 0.5) == H.Y).mean() for r in range(H.REPEATS)])
    print(f"{label:50s} acc {s['acc']:.4f} ±{s['se_rep']:.4f} F1 {s['f1']:.3f} bal {H.balanced(prob):.3f} | "
          f"vs w+e+s {s['diff']:+.4f}±{s['se_diff']:.4f} | vs shipped {d.mean():+.4f}±{d.std(ddof=1) / np.sqrt(len(d)):.4f} "
          f"ahead {int((rep > 0).sum())}/{H.REPEATS} ({' '.join(f'{x:+.3f}' for x in rep)})", flush=True)


def main(variants, nested_only=False):
    ref = H.stack(["words", "encoder", "style"])
    shipped = H.stack(["words_c30", "encoder", "tech", "style"])
    if not nested_only:
        line("words+encoder+style", ref, ref, shipped)
        line("shipped words_c30+encoder+tech+style", shipped, ref, shipped)
        print(f"{'tech alone':50s} acc {H.summary(H.stack(['tech']))['acc']:.4f}")
        for v in variants:
            line(f"words_c30+encoder+{v}+style", H.stack(["words_c30", "encoder", v, "style"]), ref, shipped)
            print(f"{'  ' + v + ' alone':50s} acc {H.summary(H.stack([v]))['acc']:.4f}", flush=True)
    specs = ["words_c30+encoder+tech+style"] + [f"words_c30+encoder+{v}+style" for v in variants]
    prob, choices = H.nested(specs)
    line(f"nested choice among {len(specs)}", prob, ref, shipped)
    print("  chosen:", Counter(choices).most_common())


if __name__ == "__main__":
    args = sys.argv[1:]
    main([a for a in args if a != "--nested-only"], "--nested-only" in args)
