"""Hyperpartisan experiment, step 2: 10-fold CV (StratifiedKFold, seed 0, the same folds as
`newssift train hyperpartisan`; the stacked model refitted inside every fold) of block sets, e.g.
`python benchmarks/hyperpartisan_signals_cv.py words+encoder+style words+encoder+style_signals`."""
import os
DATA = os.environ.get("NEWSSIFT_DATA", "../shared/data")
CACHE = os.environ.get("HP_CACHE", os.path.expanduser("~/.cache/newssift-hp"))
os.makedirs(CACHE, exist_ok=True)
import sys, time, json, glob, numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import StratifiedKFold
from newssift.models.stacking import Block, StackedBinary
from newssift.stop.hyperpartisan_data import read_hyperpartisan
from newssift.stop.hyperpartisan_model import model_text
from newssift.evaluation.metrics import binary_scores
FP = "b64d6ed8655281f0"
arts = read_hyperpartisan(DATA + '/hyperpartisan-semeval2019/train')
y = np.array([bool(a.hyperpartisan) for a in arts])
texts = [model_text(a.title, a.text) for a in arts]
from newssift.nlp import regex_sentences
from newssift.stop.style import style_vector
style = np.stack([style_vector(a.text, regex_sentences(a.text)) for a in arts])
from newssift.models.training_embeddings import TrainingEmbedder
lead = TrainingEmbedder().documents([a.text for a in arts], cache_name="hyperpartisan")[0]
R = np.load(CACHE + f'/hp_rich-{FP}.npz')
nsent = np.maximum(1, np.array([max(1, a.text.count('. ') + a.text.count('\n')) for a in arts]))
try:
    Q = np.load(CACHE + f'/hp_quotes-{FP}.npy'); nsent = np.maximum(1, Q[:, 5])
except FileNotFoundError:
    Q = None
tech = R['tech'] / nsent[:, None]
signals = np.column_stack([tech, tech.sum(1), R['tech_chars'] / np.array([max(1, len(a.text)) for a in arts])])
if Q is not None:
    signals = np.column_stack([signals, np.log1p(Q[:, 0]), np.log1p(Q[:, 1]), Q[:, 2], Q[:, 3] / np.maximum(1, Q[:, 0]), Q[:, 4], Q[:, 0] / nsent])
inputs = {"text": texts, "style": style, "embedding": lead, "paras": np.column_stack([R['pmean'], R['pmax']]),
          "full": R['full'], "signals": signals, "style_signals": np.column_stack([style, signals])}
def lr(C, bal=True): return LogisticRegression(C=C, max_iter=3000, class_weight="balanced" if bal else None)
B = {
 "words": lambda: Block("words", "text", lambda: make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.9, sublinear_tf=True, max_features=30000, dtype=np.float32), lr(10.0))),
 "chars": lambda: Block("chars", "text", lambda: make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True, max_features=50000, dtype=np.float32), lr(10.0))),
 "encoder": lambda: Block("encoder", "embedding", lambda: lr(1.0)),
 "paras": lambda: Block("paras", "paras", lambda: make_pipeline(StandardScaler(), lr(0.01))),
 "full": lambda: Block("full", "full", lambda: lr(1.0)),
 "style": lambda: Block("style", "style", lambda: make_pipeline(StandardScaler(), lr(0.3))),
 "signals": lambda: Block("signals", "signals", lambda: make_pipeline(StandardScaler(), lr(0.3))),
 "style_signals": lambda: Block("style_signals", "style_signals", lambda: make_pipeline(StandardScaler(), lr(0.3))),
}
def run(names):
    t = time.process_time()
    prob = np.zeros(len(y)); bp = {}
    for tr, te in StratifiedKFold(10, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
        m = StackedBinary([B[n]() for n in names], subsets=[tuple(names)], seed=0)
        sub = lambda idx: {k: ([v[i] for i in idx] if isinstance(v, list) else v[idx]) for k, v in inputs.items()}
        m.fit(sub(tr), y[tr])
        p, _ = m.predict_proba(sub(te)); prob[te] = p
        for n, s in m.block_scores(sub(te)).items(): bp.setdefault(n, np.zeros(len(y)))[te] = s
    print("+".join(names), binary_scores(y, prob >= 0.5), {n: round(float(((s >= .5) == y).mean()), 3) for n, s in bp.items()}, f"{time.process_time()-t:.0f}s", flush=True)
for spec in sys.argv[1:]:
    run(spec.split("+"))
