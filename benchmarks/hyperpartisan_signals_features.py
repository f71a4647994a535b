"""Hyperpartisan experiment, step 1: per-article propaganda-technique counts (the technique head),
paragraph-pooled encoder embeddings and quote statistics (spaCy + the quote head) of SemEval-2019
by-article train, saved under $HP_CACHE. Exploratory; not used by the shipped model."""
import os
DATA = os.environ.get("NEWSSIFT_DATA", "../shared/data")
CACHE = os.environ.get("HP_CACHE", os.path.expanduser("~/.cache/newssift-hp"))
os.makedirs(CACHE, exist_ok=True)
import sys, time, json, numpy as np
from newssift.stop.hyperpartisan_data import read_hyperpartisan
from newssift.models.encoder import get_encoder
from newssift.stop.propaganda import load_model
from newssift.models.ptc import TECHNIQUES
arts = read_hyperpartisan(DATA + "/hyperpartisan-semeval2019/train")
enc = get_encoder(); prop = load_model()
print("fp", enc.fingerprint, len(arts), flush=True)
n = len(arts)
tech = np.zeros((n, len(TECHNIQUES)), np.float32); tech_chars = np.zeros(n, np.float32)
pmean = np.zeros((n, 384), np.float32); pmax = np.zeros((n, 384), np.float32); full = np.zeros((n, 384), np.float32)
npar = np.zeros(n, np.float32)
t0 = time.time()
for i in range(0, n, 4):
    batch = arts[i:i+4]
    for j, e in enumerate(enc.encode_batch([a.text for a in batch])):
        k = i + j; text = batch[j].text
        for d in prop.analyse_encoded(e):
            tech[k, TECHNIQUES.index(d["technique"])] += 1; tech_chars[k] += d["end"] - d["start"]
        pos = 0; vecs = []
        for para in text.split("\n"):
            s = text.find(para, pos); pos = s + len(para)
            if len(para.split()) >= 5:
                vecs.append(e.pool(s, s + len(para)))
        if len(e.token_offsets):
            full[k] = e.pool(0, len(text))
        if vecs:
            v = np.stack(vecs); pmean[k] = v.mean(0); pmax[k] = v.max(0); npar[k] = len(vecs)
    if i % 40 == 0:
        print(i, f"{time.time()-t0:.0f}s", flush=True)
np.savez(CACHE + "/hp_rich-%s.npz" % enc.fingerprint, tech=tech, tech_chars=tech_chars, pmean=pmean, pmax=pmax, full=full, npar=npar,
         ids=np.array([a.id if hasattr(a, "id") else str(i) for i, a in enumerate(arts)]))
print("saved encoder features", flush=True)
# quotes
from newssift.claims.quotes import load_extractor, quotes_from_parse
from newssift.nlp import get_nlp
nlp = get_nlp(); ex = load_extractor()
qf = np.zeros((n, 6), np.float32)
for k, a in enumerate(arts):
    doc = nlp(a.text[:100000])
    qs = quotes_from_parse(doc, ex)
    speakers = [q["speaker"] for q in qs if q.get("speaker")]
    from collections import Counter
    c = Counter(speakers); nq = len(qs)
    qchars = sum(q["end"] - q["start"] for q in qs)
    qf[k] = [nq, len(c), (max(c.values()) / len(speakers)) if speakers else 0, sum(q["direct"] for q in qs), qchars / max(1, len(a.text)), len(list(doc.sents))]
    if k % 50 == 0: print("q", k, flush=True)
np.save(CACHE + "/hp_quotes-%s.npy" % enc.fingerprint, qf)
print("done", flush=True)
