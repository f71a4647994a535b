"""Does the encoder delta keep sentence embeddings good for claim retrieval?

MAP@5 of plain cosine (Encoder.embed_sentences) on the CheckThat! 2022 task 2A dev queries,
against a pool of the gold verified claims plus 1,800 others drawn with a fixed seed (the full
14k-claim pool costs too much CPU to embed twice on a shared 2-core machine).

    PYTHONPATH=. python benchmarks/encoder_retrieval.py [LORA.safetensors]
"""

import json
import random
import sys
from pathlib import Path

import numpy as np

from newssift.models.encoder import Encoder

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "claimmatch-clef2022-2a"


def main(lora: str | None) -> None:
    queries = dict(line.rstrip("\n").split("\t", 1) for line in open(DATA / "CT2022-Task2A-EN-Train-Dev_Queries.tsv", encoding="utf-8")
                   if "\t" in line)
    qrels = {}
    for line in open(DATA / "CT2022-Task2A-EN-Dev_QRELs.tsv", encoding="utf-8"):
        q, _, v, rel = line.split("\t")
        if int(rel) > 0:
            qrels.setdefault(q, set()).add(v)
    claims = {}
    for line in open(DATA / "vclaims.jsonl", encoding="utf-8"):
        d = json.loads(line)
        claims[d["vclaim_id"]] = f"{d.get('title', '')}. {d['vclaim']}"
    gold = {v for vs in qrels.values() for v in vs}
    others = sorted(set(claims) - gold)
    pool = sorted(gold) + random.Random(0).sample(others, 1800)
    enc = Encoder(lora_path=Path(lora) if lora else None)
    qids = sorted(q for q in qrels if q in queries)
    qv = enc.embed_sentences([queries[q] for q in qids])
    cv = enc.embed_sentences([claims[c] for c in pool])
    sims = qv @ cv.T
    ap = []
    for i, q in enumerate(qids):
        top = np.argsort(-sims[i])[:5]
        hits, score = 0, 0.0
        for rank, j in enumerate(top, 1):
            if pool[j] in qrels[q]:
                hits += 1
                score += hits / rank
        ap.append(score / min(len(qrels[q]), 5))
    print(json.dumps({"encoder": enc.fingerprint, "lora": lora, "queries": len(qids), "pool": len(pool),
                      "map_at_5": round(float(np.mean(ap)), 4)}))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
