"""Hyperpartisan experiments: re-run the (current) propaganda model on the cached encodings of
`hyperpartisan_cache.py` (float16 token states), when the propaganda artefact changes but the encoder
does not. Writes techniques-<fingerprint>-<propaganda digest>.json under $HP_CACHE."""
import json
import os

import numpy as np

from newssift.models.encoder import EncodedText
from newssift.stop.hyperpartisan_data import read_hyperpartisan
from newssift.stop.propaganda import load_model
from newssift.stop.technique_density import propaganda_identity

DATA = os.environ.get("NEWSSIFT_DATA", "../shared/data")
CACHE = os.environ.get("HP_CACHE", "/work/cache/hp")
FP = "b64d6ed8655281f0"
arts = read_hyperpartisan(DATA + "/hyperpartisan-semeval2019/train")
z = np.load(f"{CACHE}/states-{FP}.npz")
bounds = np.concatenate([[0], np.cumsum(z["counts"])])
prop = load_model()
out = []
for i, a in enumerate(arts):
    sl = slice(bounds[i], bounds[i + 1])
    e = EncodedText(a.text, np.zeros(bounds[i + 1] - bounds[i], np.int64), z["offsets"][sl].astype(np.int64),
                    z["states"][sl].astype(np.float32))
    out.append([(int(d["start"]), int(d["end"]), d["technique"], float(d.get("score", 1.0)))
                for d in prop.analyse_encoded(e)])
path = f"{CACHE}/techniques-{FP}-{propaganda_identity()}.json"
json.dump(out, open(path, "w"))
print(path, sum(map(len, out)), "spans")
