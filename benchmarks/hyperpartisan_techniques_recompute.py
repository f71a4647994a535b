"""Hyperpartisan experiments: run the (current) propaganda model over the 645 training articles when
the propaganda artefact changes. Its technique classifier pools the encoder's lower-layer states,
which the float16 cache of `hyperpartisan_cache.py` does not hold, so the articles are encoded again
(the same pass as at analysis). Writes techniques-<fingerprint>-<propaganda digest>.json under $HP_CACHE."""
import json
import os

from newssift.models.encoder import get_encoder
from newssift.stop.hyperpartisan_data import read_hyperpartisan
from newssift.stop.propaganda import load_model
from newssift.stop.technique_density import propaganda_identity

DATA = os.environ.get("NEWSSIFT_DATA", "../shared/data")
CACHE = os.environ.get("HP_CACHE", "/work/cache/hp")
arts = read_hyperpartisan(DATA + "/hyperpartisan-semeval2019/train")
encoder = get_encoder()
prop = load_model()
out = []
for i in range(0, len(arts), 8):
    for a, e in zip(arts[i:i + 8], encoder.encode_batch([a.text for a in arts[i:i + 8]])):
        out.append([(int(d["start"]), int(d["end"]), d["technique"], float(d.get("score", 1.0)))
                    for d in prop.analyse_encoded(e)])
path = f"{CACHE}/techniques-{encoder.fingerprint}-{propaganda_identity()}.json"
json.dump(out, open(path, "w"))
print(path, sum(map(len, out)), "spans")
