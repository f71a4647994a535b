"""Print the claim-matching tables of benchmarks/coverage.md from the trained artefact
(newssift/models/artefacts/coverage/matcher.json) and an ann_bench.py JSON output."""

import json
import sys
from pathlib import Path

model = json.loads((Path(__file__).resolve().parents[1] / "newssift/models/artefacts/coverage/matcher.json").read_text())
metrics = model["trained"]["metrics"]
rows = [("2022-2A", "dev"), ("2022-2A", "dev-test"), ("2021-2B", "dev")]
print("| task / split | method | MAP@5 | MRR | R@1 | R@5 |\n|---|---|---|---|---|---|")
for task, split in rows:
    for method, label in (("bm25-base", "BM25"), ("dense-base", "dense (MiniLM cosine)"), ("dense", "dense + query projection"),
                          ("fusion", "fusion (rescaled BM25 + cosine)"), ("reranked", "re-ranked (logistic regression)")):
        m = metrics.get(f"{task}/{split}/{method}") or (metrics.get(f"{task}/{split}/bm25") if method == "bm25-base" else None)
        if m:
            print(f"| {task} {split} | {label} | {m['map_at_5']:.4f} | {m['mrr']:.4f} | {m['recall_at_1']:.4f} | {m['recall_at_5']:.4f} |")
print()
print("calibration:", json.dumps(model["trained"]["calibration"]), "fusion weight:", model["fusion_weight"])
if len(sys.argv) > 1:
    print(json.dumps(json.loads(Path(sys.argv[1]).read_text()), indent=1))
