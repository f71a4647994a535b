"""Hyperpartisan experiments, step 1: encode SemEval-2019 by-article train once with the shared encoder
(whole articles, as the analysis does) and cache under $HP_CACHE (default /work/cache/hp): every
article's token states (float16) and offsets, the title embedding, and the propaganda head's technique
spans (run on the same encoding). Exploratory; `newssift train hyperpartisan` does not need it."""
import os
import sys
import time

import numpy as np

DATA = os.environ.get("NEWSSIFT_DATA", "../shared/data")
CACHE = os.environ.get("HP_CACHE", "/work/cache/hp")
os.makedirs(CACHE, exist_ok=True)

from newssift.models.encoder import get_encoder  # noqa: E402
from newssift.stop.hyperpartisan_data import read_hyperpartisan  # noqa: E402

arts = read_hyperpartisan(DATA + "/hyperpartisan-semeval2019/train")
enc = get_encoder()
fp = enc.fingerprint
print("fingerprint", fp, len(arts), flush=True)
try:
    from newssift.stop.propaganda import load_model
    prop = load_model()
except Exception as exc:  # noqa: BLE001
    print("no propaganda model:", exc, flush=True)
    prop = None
states, offsets, counts, techniques = [], [], [], []
t0 = time.time()
for i in range(0, len(arts), 4):
    batch = arts[i:i + 4]
    for a, e in zip(batch, enc.encode_batch([a.text for a in batch])):
        states.append(np.asarray(e.token_states, np.float16))
        offsets.append(np.asarray(e.token_offsets, np.int32))
        counts.append(len(e.token_offsets))
        found = prop.analyse_encoded(e) if prop is not None else []
        techniques.append([(int(d["start"]), int(d["end"]), d["technique"], float(d.get("score", 1.0))) for d in found])
    if i % 40 == 0:
        print(i, f"{time.time() - t0:.0f}s", flush=True)
titles = np.asarray(enc.embed_sentences([a.title or "" for a in arts]), np.float32)
import json  # noqa: E402
np.savez(f"{CACHE}/states-{fp}.npz", states=np.concatenate(states), offsets=np.concatenate(offsets),
         counts=np.array(counts), titles=titles, ids=np.array([a.id for a in arts]))
with open(f"{CACHE}/techniques-{fp}.json", "w") as fh:
    json.dump(techniques, fh)
print("done", f"{time.time() - t0:.0f}s", flush=True)
