"""Hyperpartisan experiments: one encoder pass over the 645 training articles that keeps what the
technique block can be computed from without encoding again: the propaganda tagger's per-token
probabilities (float32), the token offsets, the final and lower-layer token states (float16; the
technique classifier pools the lower ones), the title embeddings, and the propaganda head's own spans.
Writes under $HP_CACHE (default /work/cache/hp):
  states-<fp>.npz                   final states, offsets, counts, titles (as hyperpartisan_cache.py)
  lower-<fp>.npz                    lower-layer states (float16)
  tokprobs-<fp>-<digest>.npz        probs (sum of tokens, 15), counts
  techniques-<fp>-<digest>.json     the propaganda head's spans (as hyperpartisan_techniques_recompute.py)
"""
import json
import os
import time

import numpy as np

from newssift.models.encoder import get_encoder
from newssift.stop.hyperpartisan_data import read_hyperpartisan
from newssift.stop.propaganda import load_model
from newssift.stop.technique_density import propaganda_identity

DATA = os.environ.get("NEWSSIFT_DATA", "../shared/data")
CACHE = os.environ.get("HP_CACHE", "/work/cache/hp")
os.makedirs(CACHE, exist_ok=True)
arts = read_hyperpartisan(DATA + "/hyperpartisan-semeval2019/train")
encoder = get_encoder()
fp, digest = encoder.fingerprint, propaganda_identity()
prop = load_model()
states, lowers, offsets, counts, probs, spans = [], [], [], [], [], []
t0 = time.time()
for i in range(0, len(arts), 4):
    for a, e in zip(arts[i:i + 4], encoder.encode_batch([a.text for a in arts[i:i + 4]])):
        states.append(np.asarray(e.token_states, np.float16))
        lowers.append(np.asarray(e.lower_states, np.float16))
        offsets.append(np.asarray(e.token_offsets, np.int32))
        counts.append(len(e.token_offsets))
        probs.append(prop.token_probs(e))
        spans.append([(int(d["start"]), int(d["end"]), d["technique"], float(d.get("score", 1.0)))
                      for d in prop.analyse_encoded(e)])
    if i % 40 == 0:
        print(i, f"{time.time() - t0:.0f}s", flush=True)
titles = np.asarray(encoder.embed_sentences([a.title or "" for a in arts]), np.float32)
np.savez(f"{CACHE}/states-{fp}.npz", states=np.concatenate(states), offsets=np.concatenate(offsets),
         counts=np.array(counts), titles=titles, ids=np.array([a.id for a in arts]))
np.savez(f"{CACHE}/lower-{fp}.npz", lower=np.concatenate(lowers), counts=np.array(counts))
np.savez(f"{CACHE}/tokprobs-{fp}-{digest}.npz", probs=np.concatenate(probs), counts=np.array(counts))
json.dump(spans, open(f"{CACHE}/techniques-{fp}-{digest}.json", "w"))
print("done", digest, sum(map(len, spans)), "spans", f"{time.time() - t0:.0f}s", flush=True)
