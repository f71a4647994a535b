"""Speed of the shared encoder and of the propaganda head on PTC articles (2 threads).

    PYTHONPATH=. python benchmarks/propaganda_speed.py [N_ARTICLES]
"""

import json
import os
import sys
import time
from pathlib import Path

from newssift.models.encoder import get_encoder, window_starts
from newssift.models.ptc import is_validation, load_corpus
from newssift.stop.propaganda import load_model

PTC = Path(__file__).resolve().parents[2] / "shared" / "data" / "propaganda-ptc" / "train"


def main(n: int) -> None:
    articles = [a for a in load_corpus(PTC) if is_validation(a.id)][:n]
    texts = [a.text for a in articles]
    t0 = time.perf_counter()
    encoder = get_encoder()
    load_s = time.perf_counter() - t0
    encoder.encode_batch(texts[:1])  # warm-up
    t0 = time.perf_counter()
    encoded = []
    for i in range(0, len(texts), 8):
        encoded.extend(encoder.encode_batch(texts[i:i + 8]))
    enc_s = time.perf_counter() - t0
    windows = sum(len(window_starts(len(e))) for e in encoded)
    tokens = sum(len(e) for e in encoded)
    model = load_model()
    t0 = time.perf_counter()
    spans = [model.analyse_encoded(e) for e in encoded]
    head_s = time.perf_counter() - t0
    print(json.dumps({
        "articles": len(texts), "tokens": tokens, "windows": windows, "threads": os.environ.get("NEWSSIFT_THREADS", "physical cores"),
        "encoder_load_seconds": round(load_s, 2),
        "encoder_windows_per_second": round(windows / enc_s, 2), "encoder_articles_per_second": round(len(texts) / enc_s, 3),
        "head_articles_per_second": round(len(texts) / head_s, 2), "spans": sum(len(s) for s in spans),
        "load_average": os.getloadavg()[0],
    }))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
