"""Hyperpartisan experiments, step 2: repeated stratified 10-fold cross-validation (5 repeats, seeds
0-4; repeat 0 = the folds of `newssift train hyperpartisan`) of stacked variants, the same 50 folds
for every variant.

Every block (one view + its logistic regression) is run once over the 50 outer folds and cached:
for each outer fold its 5-fold out-of-fold scores on the training part (what the stacked model's
combiner learns from, as `newssift.models.stacking.StackedBinary` does) and its scores on the test
part from a fit on the whole training part. A stack of any blocks is then cheap to evaluate.
TF-IDF is fitted inside every fold (document frequencies, min_df, max_df, max_features and idf from
the training part only), from n-gram counts computed once.

    python benchmarks/hyperpartisan_repeated_cv.py words+encoder+style words+chars+encoder+style ...
"""
import json
import warnings
warnings.filterwarnings("ignore", category=FutureWarning)
import os
import sys
import time

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, normalize

DATA = os.environ.get("NEWSSIFT_DATA", "../shared/data")
CACHE = os.environ.get("HP_CACHE", "/work/cache/hp")
FP = "b64d6ed8655281f0"
REPEATS, FOLDS, INNER = 5, 10, 5
# HP_PROPAGANDA=<digest>: technique spans from techniques-<fp>-<digest>.json (hyperpartisan_techniques_recompute.py),
# block tables in blocks-<digest>/ (link the blocks that do not read the spans from blocks/)
PROPAGANDA = os.environ.get("HP_PROPAGANDA")
# HP_SEED0=<k>: repeats with seeds k..k+4 instead (other folds, e.g. to re-check a choice made on seeds 0-4)
SEED0 = int(os.environ.get("HP_SEED0", "0"))
# HP_GROUPED=1: outer folds grouped by publisher (the registrable domain of the article's URL in
# ground-truth.xml; StratifiedGroupKFold), so no outlet is in both parts of an outer fold
GROUPED = bool(os.environ.get("HP_GROUPED"))
BLOCK_DIR = (f"{CACHE}/blocks" + (f"-{PROPAGANDA}" if PROPAGANDA else "") + (f"-seeds{SEED0}" if SEED0 else "")
             + ("-grouped" if GROUPED else ""))
TECHNIQUE_SPANS = f"{CACHE}/techniques-{FP}" + (f"-{PROPAGANDA}" if PROPAGANDA else "") + ".json"
os.makedirs(BLOCK_DIR, exist_ok=True)

from newssift.stop.hyperpartisan_data import read_hyperpartisan  # noqa: E402
from newssift.stop.hyperpartisan_model import model_text  # noqa: E402

ARTS = read_hyperpartisan(DATA + "/hyperpartisan-semeval2019/train")
Y = np.array([bool(a.hyperpartisan) for a in ARTS])
N = len(Y)
TEXTS = [model_text(a.title, a.text) for a in ARTS]


def publishers():
    from lxml import etree
    from newssift.source.domains import registrable_domain
    urls = {el.get("id"): el.get("url") for _, el in etree.iterparse(
        DATA + "/hyperpartisan-semeval2019/train/ground-truth.xml", tag="article")}
    return np.array([registrable_domain(urls[a.id]) for a in ARTS])


if GROUPED:
    from sklearn.model_selection import StratifiedGroupKFold
    _GROUPS = publishers()
    OUTER = [(r, tr, te) for r in range(REPEATS) for tr, te in StratifiedGroupKFold(
        FOLDS, shuffle=True, random_state=SEED0 + r).split(np.zeros(N), Y, _GROUPS)]
else:
    OUTER = [(r, tr, te) for r in range(REPEATS)
             for tr, te in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED0 + r).split(np.zeros(N), Y)]


def _cached(name, compute):
    path = f"{CACHE}/{name}.npy"
    if os.path.exists(path):
        return np.load(path)
    value = compute()
    np.save(path, value)
    return value


# -- features -------------------------------------------------------------------------------------
def style():
    from newssift.nlp import regex_sentences
    from newssift.stop.style import style_vector
    return _cached("style", lambda: np.stack([style_vector(a.text, regex_sentences(a.text)) for a in ARTS]))


_STATES = None


def states():
    """[(offsets, states float32)] per article, the titles' embeddings."""
    global _STATES
    if _STATES is None:
        z = np.load(f"{CACHE}/states-{FP}.npz")
        bounds = np.concatenate([[0], np.cumsum(z["counts"])])
        s, o = z["states"], z["offsets"]
        _STATES = ([(o[bounds[i]:bounds[i + 1]], s[bounds[i]:bounds[i + 1]].astype(np.float32)) for i in range(N)],
                   z["titles"])
    return _STATES


def _l2(v):
    return v / (np.linalg.norm(v, axis=-1, keepdims=True) + 1e-12)


def _paragraphs(text, min_words=5):
    pos, out = 0, []
    for para in text.split("\n"):
        s = text.find(para, pos)
        pos = s + len(para)
        if len(para.split()) >= min_words:
            out.append((s, s + len(para)))
    return out


def _pool(off, st, s, e):
    inside = (off[:, 0] >= s) & (off[:, 1] <= e) & (off[:, 1] > off[:, 0])
    if not inside.any():
        return np.zeros(st.shape[1], np.float32)
    return _l2(st[inside].mean(0))


def pooled():
    def compute():
        docs, titles = states()
        out = {k: np.zeros((N, 384), np.float32) for k in
               ("lead", "mean", "max", "pmean", "pmax", "first3", "last3", "std")}
        for i, ((off, st), a) in enumerate(zip(docs, ARTS)):
            if not len(off):
                continue
            end = int(off[min(508, len(off)) - 1][1])
            out["lead"][i] = _pool(off, st, 0, end)
            out["mean"][i] = _l2(st.mean(0))
            out["max"][i] = st.max(0)
            out["std"][i] = st.std(0)
            paras = [_pool(off, st, s, e) for s, e in _paragraphs(a.text)] or [out["mean"][i]]
            p = np.stack(paras)
            out["pmean"][i] = _l2(p.mean(0))
            out["pmax"][i] = p.max(0)
            out["first3"][i] = _l2(p[:3].mean(0))
            out["last3"][i] = _l2(p[-3:].mean(0))
        out["title"] = np.asarray(titles, np.float32)
        np.savez(f"{CACHE}/pooled.npz", **out)
    if not os.path.exists(f"{CACHE}/pooled.npz"):
        compute()
    return dict(np.load(f"{CACHE}/pooled.npz"))


def signals():
    """Technique density (propaganda head on the same encoding) and the quote head's source balance."""
    from newssift.models.ptc import TECHNIQUES
    from newssift.nlp import regex_sentences
    tech = json.load(open(TECHNIQUE_SPANS))
    nsent = np.array([max(1, len(regex_sentences(a.text))) for a in ARTS], float)
    counts = np.zeros((N, len(TECHNIQUES)))
    chars = np.zeros(N)
    loaded_sent = np.zeros(N)
    for i, found in enumerate(tech):
        sents = regex_sentences(ARTS[i].text)
        hit = set()
        for s, e, t, _ in found:
            counts[i, TECHNIQUES.index(t)] += 1
            chars[i] += e - s
            if t in ("Loaded_Language", "Name_Calling,Labeling"):
                hit.update(k for k, (a, b) in enumerate(sents) if a <= s < b)
        loaded_sent[i] = len(hit)
    lens = np.array([max(1, len(a.text)) for a in ARTS], float)
    dens = counts / nsent[:, None]
    cols = [dens, dens.sum(1), chars / lens, loaded_sent / nsent]
    q = f"{CACHE}/quotes-{FP}.npy"
    if os.path.exists(q):
        Q = np.load(q)  # n quotes, distinct speakers, top speaker share, direct, quoted share, spaCy sentences
        cols += [np.log1p(Q[:, 0]), np.log1p(Q[:, 1]), Q[:, 2], Q[:, 3] / np.maximum(1, Q[:, 0]), Q[:, 4],
                 Q[:, 0] / np.maximum(1, Q[:, 5])]
    return np.column_stack(cols)


def tech_scored():
    """The technique block plus the spans' scores: score-weighted count per technique per sentence,
    the highest span score, the mean span score."""
    from newssift.models.ptc import TECHNIQUES
    from newssift.nlp import regex_sentences
    tech = json.load(open(TECHNIQUE_SPANS))
    extra = np.zeros((N, len(TECHNIQUES) + 2))
    for i, found in enumerate(tech):
        n = max(1, len(regex_sentences(ARTS[i].text)))
        for s, e, t, score in found:
            extra[i, TECHNIQUES.index(t)] += score / n
        if found:
            extra[i, -2] = max(f[3] for f in found)
            extra[i, -1] = np.mean([f[3] for f in found])
    return np.column_stack([signals()[:, :17], extra])


# -- TF-IDF fitted inside each fold ---------------------------------------------------------------
_COUNTS = {}


def counts(kind):
    if kind not in _COUNTS:
        path = f"{CACHE}/counts-{kind}.npz"
        if os.path.exists(path):
            _COUNTS[kind] = sparse.load_npz(path)
        elif kind == "domains":
            raise SystemExit(f"{path} missing: run benchmarks/hyperpartisan_links.py first")
        else:
            cv = (CountVectorizer(ngram_range=(1, 2), dtype=np.float32) if kind == "words" else
                  CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), dtype=np.float32))
            _COUNTS[kind] = cv.fit_transform(TEXTS).tocsr()
            sparse.save_npz(path, _COUNTS[kind])
    return _COUNTS[kind]


def tfidf(kind, train, min_df, max_df, max_features):
    C = counts(kind)
    Ct = C[train]
    df = np.asarray((Ct > 0).sum(0)).ravel()
    n = len(train)
    keep = np.where((df >= min_df) & (df <= max_df * n))[0]
    if len(keep) > max_features:
        tf = np.asarray(Ct[:, keep].sum(0)).ravel()
        keep = keep[np.argsort(-tf, kind="stable")[:max_features]]
    idf = np.log((1 + n) / (1 + df[keep])) + 1
    X = C[:, keep].tocsr(copy=True)
    X.data = 1 + np.log(X.data)
    return normalize(X @ sparse.diags(idf)).tocsr()


def wordchars_block(C):
    def spec(train):
        X = sparse.hstack([tfidf("words", train, 2, 0.9, 30000),
                           tfidf("chars", train, 3, 1.0, 50000)]).tocsr() / np.sqrt(2)
        return X, lambda: lr(C)
    return lambda: spec


# -- blocks ---------------------------------------------------------------------------------------
def lr(C, balanced=True):
    return LogisticRegression(C=C, max_iter=3000, class_weight="balanced" if balanced else None)


def lrcv(scale=False):
    m = LogisticRegressionCV(Cs=np.logspace(-3, 2, 6), cv=5, max_iter=3000, class_weight="balanced",
                             scoring="neg_log_loss")
    return make_pipeline(StandardScaler(), m) if scale else m


def lrcv_text(Cs=(3.0, 10.0, 30.0, 100.0, 300.0), cv=5):
    """C chosen by CV inside the training part (log-loss)."""
    return LogisticRegressionCV(Cs=list(Cs), cv=cv, max_iter=3000, class_weight="balanced", scoring="neg_log_loss")


def dense_block(X, make):
    return lambda train: (X, make)


def text_block(kind, C, min_df=2, max_df=0.9, max_features=30000):
    return lambda train: (tfidf(kind, train, min_df, max_df, max_features), lambda: lr(C))


def blocks():
    P = {}

    def p(k):
        if not P:
            P.update(pooled())
        return P[k]

    sc = lambda C: (lambda: make_pipeline(StandardScaler(), lr(C)))  # noqa: E731
    B = {
        "words": lambda: text_block("words", 10.0),
        "words_c3": lambda: text_block("words", 3.0),
        "words_c30": lambda: text_block("words", 30.0),
        "words_all": lambda: text_block("words", 10.0, max_features=10 ** 7),
        "chars": lambda: text_block("chars", 10.0, min_df=3, max_df=1.0, max_features=50000),
        "chars_c3": lambda: text_block("chars", 3.0, min_df=3, max_df=1.0, max_features=50000),
        "chars_c30": lambda: text_block("chars", 30.0, min_df=3, max_df=1.0, max_features=50000),
        "chars_100k": lambda: text_block("chars", 10.0, min_df=3, max_df=1.0, max_features=100000),
        "words_c100": lambda: text_block("words", 100.0),
        "words_c300": lambda: text_block("words", 300.0),
        "words_all_c30": lambda: text_block("words", 30.0, max_features=10 ** 7),
        "words_all_c100": lambda: text_block("words", 100.0, max_features=10 ** 7),
        "chars_c100": lambda: text_block("chars", 100.0, min_df=3, max_df=1.0, max_features=50000),
        "chars_100k_c30": lambda: text_block("chars", 30.0, min_df=3, max_df=1.0, max_features=100000),
        "wordchars_c30": wordchars_block(30.0),
        "wordchars_c100": wordchars_block(100.0),
        "tech": lambda: dense_block(signals()[:, :17], sc(0.3)),
        "quotes": lambda: dense_block(signals()[:, 17:], sc(0.3)),
        "style_tech": lambda: dense_block(np.column_stack([style(), signals()[:, :17]]), sc(0.3)),
        "words_cv": lambda: (lambda train: (tfidf("words", train, 2, 0.9, 30000), lambda: lrcv_text())),
        "words_cv3": lambda: (lambda train: (tfidf("words", train, 2, 0.9, 30000), lambda: lrcv_text([10.0, 30.0, 100.0], 3))),
        "tech2": lambda: dense_block(tech_scored(), sc(0.3)),
        "style": lambda: dense_block(style(), sc(0.3)),
        # outbound links (hyperpartisan_links.py): TF-IDF of the registrable domains linked to, and counts/shares
        "domains": lambda: text_block("domains", 10.0, min_df=1, max_df=1.0, max_features=10 ** 7),
        "linkstats": lambda: dense_block(np.load(f"{CACHE}/linkstats.npy"), sc(0.3)),
        "linkcounts": lambda: dense_block(np.load(f"{CACHE}/linkstats.npy")[:, :6], sc(0.3)),  # without the ratings
        "style_cv": lambda: dense_block(style(), lambda: lrcv(True)),
        "signals": lambda: dense_block(signals(), sc(0.3)),
        "style_signals": lambda: dense_block(np.column_stack([style(), signals()]), sc(0.3)),
        "style_signals_c01": lambda: dense_block(np.column_stack([style(), signals()]), sc(0.1)),
        "style_signals_cv": lambda: dense_block(np.column_stack([style(), signals()]), lambda: lrcv(True)),
    }
    for k in ("lead", "mean", "max", "pmean", "pmax", "first3", "last3", "title", "std"):
        B[k] = (lambda k=k: dense_block(p(k), lambda: lr(1.0)))
        for C in (0.1, 10.0, 100.0):
            B[f"{k}_c{C:g}"] = (lambda k=k, C=C: dense_block(p(k), lambda: lr(C)))
        B[f"{k}_s"] = (lambda k=k: dense_block(p(k), sc(0.01)))
        B[f"{k}_cv"] = (lambda k=k: dense_block(p(k), lambda: lrcv()))
    B["encoder"] = B["lead"]
    # technique-block variants from the tagger's token probabilities (hyperpartisan_token_features.py)
    for path in os.listdir(CACHE):
        if PROPAGANDA and path.startswith(f"techfeat-{PROPAGANDA}-") and path.endswith(".npy"):
            name = path[len(f"techfeat-{PROPAGANDA}-"):-4]
            B[f"tf_{name}"] = (lambda path=path: dense_block(np.load(f"{CACHE}/{path}"), sc(0.3)))
    B["meanmax_s"] = lambda: dense_block(np.column_stack([p("mean"), p("max")]), sc(0.01))
    B["leadtitle"] = lambda: dense_block(np.column_stack([p("lead"), p("title")]), lambda: lr(1.0))
    B["leadtitle_c10"] = lambda: dense_block(np.column_stack([p("lead"), p("title")]), lambda: lr(10.0))
    B["pmeanmax_s"] = lambda: dense_block(np.column_stack([p("pmean"), p("pmax")]), sc(0.01))
    return B


def _logit(p):
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def block_table(name):
    """(inner out-of-fold scores on each outer fold's training part, outer test scores), (50, N) each."""
    path = f"{BLOCK_DIR}/{name}.npz"
    if os.path.exists(path):
        z = np.load(path)
        return z["inner"], z["test"]
    spec = blocks()[name]()
    t = time.process_time()
    inner = np.full((len(OUTER), N), np.nan)
    test = np.full((len(OUTER), N), np.nan)
    for f, (_, tr, te) in enumerate(OUTER):
        for itr, ite in StratifiedKFold(INNER, shuffle=True, random_state=0).split(np.zeros(len(tr)), Y[tr]):
            X, make = spec(tr[itr])  # features fitted on the inner training part only (TF-IDF)
            inner[f, tr[ite]] = make().fit(X[tr[itr]], Y[tr[itr]]).predict_proba(X[tr[ite]])[:, 1]
        X, make = spec(tr)
        test[f, te] = make().fit(X[tr], Y[tr]).predict_proba(X[te])[:, 1]
    np.savez(path, inner=inner, test=test)
    print(f"# block {name}: {time.process_time() - t:.0f} CPU s", file=sys.stderr, flush=True)
    return inner, test


def stack(names, combiner="lr"):
    """Out-of-fold probabilities (REPEATS, N) of the stack of `names`."""
    tables = [block_table(n) for n in names]
    prob = np.zeros((REPEATS, N))
    for f, (r, tr, te) in enumerate(OUTER):
        ztr = np.column_stack([_logit(t[0][f, tr]) for t in tables])
        zte = np.column_stack([_logit(t[1][f, te]) for t in tables])
        if combiner == "mean":
            prob[r, te] = 1 / (1 + np.exp(-zte.mean(1)))
        else:
            prob[r, te] = LogisticRegression(C=1.0).fit(ztr, Y[tr]).predict_proba(zte)[:, 1]
    return prob


def fold_accuracy(prob):
    return np.array([((prob[r, te] >= 0.5) == Y[te]).mean() for r, _, te in OUTER])


def summary(prob, reference=None):
    from newssift.evaluation.metrics import binary_scores
    acc_rep = np.array([((prob[r] >= 0.5) == Y).mean() for r in range(REPEATS)])
    f1 = np.mean([binary_scores(Y, prob[r] >= 0.5)["f1"] for r in range(REPEATS)])
    out = {"acc": acc_rep.mean(), "se_rep": acc_rep.std(ddof=1) / np.sqrt(REPEATS),
           "se_fold": fold_accuracy(prob).std(ddof=1) / np.sqrt(len(OUTER)), "f1": f1, "acc_rep0": acc_rep[0]}
    if reference is not None:
        d = fold_accuracy(prob) - fold_accuracy(reference)
        out["diff"] = d.mean()
        out["se_diff"] = d.std(ddof=1) / np.sqrt(len(OUTER))
    return out


def balanced(prob, threshold=0.5):
    """The accuracy a balanced test set would give: the mean of the two classes' recalls (per repeat, averaged)."""
    return float(np.mean([((prob[r] >= threshold)[Y].mean() + (prob[r] < threshold)[~Y].mean()) / 2
                          for r in range(REPEATS)]))


def nested(specs, inner=5):
    """Out-of-fold probabilities when the variant is chosen inside every outer fold: each candidate
    stack's combiner is cross-validated on the training part's inner out-of-fold block scores, the
    best log-loss wins, and its test scores are used. Returns (prob, the choices per fold)."""
    from sklearn.model_selection import cross_val_predict
    tables = {s: [block_table(n) for n in s.split("+")] for s in specs}
    prob = np.zeros((REPEATS, N))
    choices = []
    for f, (r, tr, te) in enumerate(OUTER):
        best = None
        for spec, tabs in tables.items():
            ztr = np.column_stack([_logit(t[0][f, tr]) for t in tabs])
            p = cross_val_predict(LogisticRegression(C=1.0), ztr, Y[tr], cv=StratifiedKFold(
                inner, shuffle=True, random_state=100 + f), method="predict_proba")[:, 1]
            p = np.clip(p, 1e-6, 1 - 1e-6)
            loss = -np.mean(Y[tr] * np.log(p) + (~Y[tr]) * np.log(1 - p))
            if best is None or loss < best[0]:
                best = (loss, spec)
        spec = best[1]
        choices.append(spec)
        tabs = tables[spec]
        ztr = np.column_stack([_logit(t[0][f, tr]) for t in tabs])
        zte = np.column_stack([_logit(t[1][f, te]) for t in tabs])
        prob[r, te] = LogisticRegression(C=1.0).fit(ztr, Y[tr]).predict_proba(zte)[:, 1]
    return prob, choices


def main(specs):
    ref = stack(["words", "encoder", "style"])
    for spec in specs:
        combiner = "lr"
        if spec.startswith("mean:"):
            combiner, spec = "mean", spec[5:]
        names = spec.split("+")
        prob = stack(names, combiner)
        s = summary(prob, ref)
        print(f"{combiner + ':' if combiner != 'lr' else ''}{spec:45s} acc {s['acc']:.4f} ±{s['se_rep']:.4f} (rep) "
              f"±{s['se_fold']:.4f} (fold)  F1 {s['f1']:.3f}  rep0 {s['acc_rep0']:.3f}  "
              f"vs shipped {s['diff']:+.4f} ±{s['se_diff']:.4f}  balanced {balanced(prob):.3f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
