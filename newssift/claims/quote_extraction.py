"""Attribution extractors over spaCy's parse: a rule baseline and a learned one.

Both walk the same candidates (``quote_structure``): every verb-like token may be a cue, each cue
offers a few content spans, and the speaker is the cue's subject (or the object of "according
to", the owner of "statement"). The rule baseline takes speech verbs and a fixed order of content
kinds; the learned extractor scores cues and contents with two logistic regressions trained on
PolNeAR (``train_quotes``) over parse features and the parse's own token vectors, stored as
plain JSON weights so analysis needs no scikit-learn.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from newssift.claims.quote_structure import (Candidate, ParsedArticle, content_candidates, cue_tokens,
                                             is_cue_candidate, source_of, speaker_tokens, _is_quote)

Spans = list[tuple[int, int]]

ARTEFACT_DIR = Path(__file__).resolve().parent.parent / "models" / "artefacts" / "quotes"
MODEL_FILE = "quotes-model.json.gz"

SPEECH_VERBS = frozenset("""
say says said saying tell tells told telling add adds added adding note notes noted noting
write writes wrote writing explain explains explained argue argues argued claim claims claimed
announce announces announced report reports reported state states stated insist insists insisted
declare declares declared warn warns warned ask asks asked tweet tweets tweeted suggest suggests
suggested acknowledge acknowledges acknowledged admit admits admitted reply replies replied
respond responds responded continue continues continued recall recalls recalled predict predicts
predicted deny denies denied confirm confirms confirmed conclude concludes concluded stress
stresses stressed emphasize emphasized emphasizes assert asserts asserted contend contends
contended believe believes believed think thinks thought according
""".split())


@dataclass
class Attribution:
    """One extracted attribution: token indices into the spaCy Doc and character spans."""

    content: Spans
    cue: Spans
    source: Spans = field(default_factory=list)
    cue_token: int = -1
    source_token: int | None = None
    content_kind: str = ""
    score: float = 1.0

    @property
    def content_start(self) -> int:
        return self.content[0][0]

    @property
    def content_end(self) -> int:
        return self.content[-1][1]


# -- features ---------------------------------------------------------------------------------------
def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def cue_features(article: ParsedArticle, tok) -> list[str]:
    """Sparse binary features of a cue candidate: the word, its place in the parse, its
    subject, what hangs on it, and quotations around it."""
    lower = tok.lower_
    feats = [f"w={lower}", f"stem={_stem(lower)}", f"tag={tok.tag_}", f"dep={tok.dep_}",
             f"w|dep={lower}|{tok.dep_}", f"head={tok.head.lower_}", f"headdep={tok.head.dep_}",
             f"prev={tok.nbor(-1).lower_ if tok.i > 0 else '<s>'}",
             f"next={tok.nbor(1).lower_ if tok.i + 1 < len(tok.doc) else '</s>'}"]
    deps = set()
    for child in tok.children:
        deps.add(child.dep_)
        if child.dep_ in ("prep", "prt", "neg", "aux", "auxpass", "mark", "dative", "agent"):
            feats.append(f"child={child.dep_}:{child.lower_}")
            feats.append(f"w|child={lower}|{child.dep_}:{child.lower_}")
        if child.dep_ in ("nsubj", "nsubjpass"):
            feats.append(f"subj_ent={child.ent_type_ or child.pos_}")
            feats.append(f"w|subj_ent={_stem(lower)}|{child.ent_type_ or child.pos_}")
            feats.append(f"subj_w={child.lower_}")
            feats.append(f"stem|subj_w={_stem(lower)}|{child.lower_}")
        if child.dep_ in ("dobj", "pobj", "attr"):
            feats.append(f"obj_w={child.lower_}")
        if child.dep_ == "ccomp":
            marks = [c.lower_ for c in child.children if c.dep_ == "mark"]
            feats.append(f"ccomp_mark={marks[0] if marks else '-'}")
            feats.append(f"ccomp_side={'after' if child.i > tok.i else 'before'}")
    for dep in deps:
        feats.append(f"has={dep}")
        feats.append(f"stem|has={_stem(lower)}|{dep}")
    if not deps & {"nsubj", "nsubjpass", "csubj"}:
        feats.append("no_subject")
    sent = tok.sent
    position = (tok.i - sent.start) / max(len(sent), 1)
    feats.append(f"pos_in_sent={int(position * 4)}")
    inside = article.token_quote[tok.i] >= 0
    feats.append(f"in_quote={inside}")
    near = article.quotes_between(sent.start_char - 3, sent.end_char + 3)
    feats.append(f"quote_near={bool(near)}")
    if near and not inside:
        feats.append(f"stem|quote_near={_stem(lower)}")
    feats.append(f"lexicon={lower in SPEECH_VERBS}")
    feats.append(f"ent={tok.ent_type_ or '-'}")
    # a quotation closing just before the cue's clause ("...," said X) or opening after it
    left, right = tok.left_edge.idx, tok.right_edge.idx + len(tok.right_edge)
    for s, e in (article.quotes[qi] for qi in near):
        if 0 <= left - e <= 3 or (s <= left - 1 < e):
            feats.append("quote_just_before")
            feats.append(f"stem|quote_just_before={_stem(lower)}")
        if 0 <= s - tok.idx - len(tok) <= 3:
            feats.append("quote_just_after")
    feats.append(f"head_stem|dep={_stem(tok.head.lower_)}|{tok.dep_}")
    return feats


def content_features(article: ParsedArticle, tok, cand: Candidate, cands: list[Candidate] = ()) -> list[str]:
    """Features of one content candidate for a cue: how it was found, what it looks like, and
    how it compares with the cue's other candidates (longest, shortest, the one quotation)."""
    doc = article.doc
    first, last = cand.tokens[0], cand.tokens[-1]
    n = len(cand.tokens)
    side = "after" if first > tok.i else ("before" if last < tok.i else "around")
    starts_quote = _is_quote(doc[first])
    ends_quote = _is_quote(doc[last])
    has_verb = any(doc[i].pos_ in ("VERB", "AUX") for i in cand.tokens)
    in_sentence = doc[first].sent.start == tok.sent.start
    kind = cand.kind
    stem = _stem(tok.lower_)
    return [
        f"kind={kind}", f"kind|side={kind}|{side}", f"kind|stem={kind}|{stem}",
        f"kind|dep={kind}|{tok.dep_}", f"len={min(int(math.log2(n + 1)), 7)}",
        f"kind|len={kind}|{min(int(math.log2(n + 1)), 7)}",
        f"quoted={starts_quote and ends_quote}", f"kind|quoted={kind}|{starts_quote and ends_quote}",
        f"has_verb={has_verb}", f"kind|has_verb={kind}|{has_verb}", f"first={doc[first].lower_}",
        f"same_sentence={in_sentence}", f"side={side}", f"lexicon={tok.lower_ in SPEECH_VERBS}",
        f"kind|first_pos={kind}|{doc[first].pos_}",
        f"kind|last={kind}|{doc[last].lower_ if doc[last].is_punct else doc[last].pos_}",
    ] + _relative_features(article, tok, cand, cands)


def _relative_features(article: ParsedArticle, tok, cand: Candidate, cands) -> list[str]:
    kind, n = cand.kind, len(cand.tokens)
    feats = []
    if cands:
        lengths = sorted(len(c.tokens) for c in cands)
        rank = "longest" if n == lengths[-1] else ("shortest" if n == lengths[0] else "middle")
        feats += [f"rank={rank}", f"kind|rank={kind}|{rank}", f"n_cands={min(len(cands), 6)}"]
        kinds = {c.kind for c in cands}
        for other in ("quote", "ccomp", "quote-continued"):
            if other in kinds and other != kind:
                feats.append(f"kind|also={kind}|{other}")
    start, end = cand.spans[0][0], cand.spans[-1][1]
    quotes = [article.quotes[q] for q in article.quotes_between(start, end)]
    covered = sum(1 for s, e in quotes if start <= s + 1 and e - 1 <= end)
    inside = any(s <= start and end <= e for s, e in quotes)
    feats += [f"covers_quotes={min(covered, 2)}", f"inside_quote={inside}", f"kind|inside_quote={kind}|{inside}"]
    sents = 1 + (article.sentence_of[cand.tokens[0]] != article.sentence_of[cand.tokens[-1]])
    feats.append(f"kind|sents={kind}|{sents}")
    # a parse can run a clause on across a paragraph break; contents rarely cross one unless quoted
    paragraphs = 1 + (article.paragraph_of[cand.tokens[0]] != article.paragraph_of[cand.tokens[-1]])
    feats.append(f"kind|paragraphs={kind}|{paragraphs}")
    return feats


# The parse's own contextual token vectors (spaCy's tok2vec output, ``doc.tensor``): they come
# with the shared parse at no cost and tell a cue's sense in context ("found that" in a report vs
# "found the keys"), which the sparse word features cannot for rare cues.
def token_tensor(doc) -> np.ndarray:
    """The parse's token vectors as float32 (zeros when the Doc carries none, or vectors of
    another width than the models were trained on)."""
    tensor = getattr(doc, "tensor", None)
    if tensor is None or getattr(tensor, "ndim", 0) != 2 or tensor.shape != (len(doc), TENSOR_WIDTH):
        return np.zeros((len(doc), TENSOR_WIDTH), dtype=np.float32)
    return np.asarray(tensor, dtype=np.float32)


TENSOR_WIDTH = 96


def cue_slots(tok) -> tuple[int, ...]:
    """The tokens whose vectors describe a cue candidate: itself, its syntactic head, its subject
    and its first complement (-1 where there is none)."""
    subject = next((c.i for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), -1)
    complement = next((c.i for c in tok.children if c.dep_ in ("ccomp", "xcomp", "dobj", "prep")), -1)
    return tok.i, tok.head.i, subject, complement


def content_slots(n_tokens: int, cand: Candidate) -> tuple[int, ...]:
    """The tokens whose vectors describe a content candidate: its first and last tokens and the
    tokens just outside it, which tell where a content may start and stop (-1 past the text)."""
    first, last = cand.tokens[0], cand.tokens[-1]
    return first, last, first - 1, last + 1 if last + 1 < n_tokens else -1


def slots_vector(tensor: np.ndarray, slots: tuple[int, ...]) -> np.ndarray:
    """The slots' vectors side by side (zeros for -1): the dense features of training."""
    zero = np.zeros(tensor.shape[1], dtype=np.float32)
    return np.concatenate([tensor[i] if i >= 0 else zero for i in slots])


class DenseScorer:
    """The dense part of a model's score for every token slot of one article, computed with one
    matrix product per article instead of one dot product per candidate."""

    def __init__(self, model: "LinearModel", tensor: np.ndarray):
        if model.dense is None:
            self.per_token = None
        else:
            self.per_token = tensor @ model.dense.reshape(-1, tensor.shape[1]).T  # (n_tokens, n_slots)

    def __call__(self, slots: tuple[int, ...]) -> float:
        if self.per_token is None:
            return 0.0
        return float(sum(self.per_token[i, j] for j, i in enumerate(slots) if i >= 0))


# -- scoring ----------------------------------------------------------------------------------------
class LinearModel:
    """A logistic regression read from plain weights: {feature: weight} for binary features, a
    weight vector for dense ones, bias, threshold."""

    def __init__(self, weights: dict[str, float], bias: float, threshold: float = 0.5,
                 dense: list[float] | None = None):
        self.weights = weights
        self.bias = bias
        self.threshold = threshold
        self.dense = np.asarray(dense, dtype=np.float32) if dense is not None else None

    def score(self, feats: list[str], dense_score: float = 0.0) -> float:
        """The linear score (log-odds) from the binary features and the dense part of the score
        (``DenseScorer``)."""
        return self.bias + dense_score + sum(self.weights.get(f, 0.0) for f in feats)

    def probability(self, feats: list[str], dense_score: float = 0.0) -> float:
        """P(yes): the score through the logistic function."""
        z = self.score(feats, dense_score)
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def to_dict(self) -> dict:
        data = {"weights": self.weights, "bias": self.bias, "threshold": self.threshold}
        if self.dense is not None:
            data["dense"] = [round(float(w), 5) for w in self.dense]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "LinearModel":
        return cls(data["weights"], data["bias"], data.get("threshold", 0.5), data.get("dense"))


def _dedupe(found: list[Attribution]) -> list[Attribution]:
    """Two cues claiming (nearly) the same content: keep the stronger."""
    found = sorted(found, key=lambda a: -a.score)
    kept: list[Attribution] = []
    for att in found:
        chars = _char_set(att.content)
        duplicate = False
        for other in kept:
            if not (other.content_start < att.content_end and att.content_start < other.content_end):
                continue
            o = _char_set(other.content)
            if len(chars & o) / max(len(chars | o), 1) >= 0.6:
                duplicate = True
                break
        if not duplicate:
            kept.append(att)
    return sorted(kept, key=lambda a: a.content_start)


DOCUMENT_NOUNS = frozenset("statement statements release communique communiqué announcement letter memo "
                           "readout transcript tweet post".split())


def introduced_quotes(article: ParsedArticle, found: list[Attribution]) -> list[Attribution]:
    """Quotations that fill a paragraph of their own after a paragraph that announces them
    ("In a statement from the Kremlin…", "Trump said:"): credited to that announcement."""
    doc, text = article.doc, article.text
    out = []
    for start, end in article.quotes:
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        if text[line_start:start].strip() or text[end:line_end].strip(" .,"):
            continue  # not a paragraph of its own
        if any(a.content_start < end and start < a.content_end for a in found):
            continue
        before = text[:line_start].rstrip()
        if not before.endswith((":", "…", "...")):
            continue
        previous_start = before.rfind("\n") + 1
        span = doc.char_span(previous_start, len(before), alignment_mode="expand")
        if span is None:
            continue
        announcing = [a for a in found if previous_start <= a.cue[0][0] < len(before)] if found else []
        if announcing:
            last = announcing[-1]
            out.append(Attribution(content=[(start, end)], cue=last.cue, source=last.source,
                                   cue_token=last.cue_token, source_token=last.source_token,
                                   content_kind="introduced-quote", score=last.score))
            continue
        for tok in span:
            if tok.lower_ in DOCUMENT_NOUNS:
                source = source_of(tok)
                out.append(Attribution(content=[(start, end)], cue=article.token_spans([tok.i]),
                                       source=article.token_spans(speaker_tokens(source)) if source is not None else [],
                                       cue_token=tok.i, source_token=source.i if source is not None else None,
                                       content_kind="introduced-quote", score=0.5))
                break
    return out


def _char_set(spans: Spans) -> set[int]:
    return {i for s, e in spans for i in range(s, e)}


def _balance_quotes(text: str, spans: Spans) -> Spans:
    """A content that opens a quotation closed just after it ("toward “constructive cooperation,”")
    takes the closing mark too, so the highlighted text reads as a whole quotation."""
    if not spans:
        return spans
    start, end = spans[-1]
    piece = text[spans[0][0]:end]
    if piece.count("“") > piece.count("”"):
        m = re.match(r"[,.!?…]?”", text[end:end + 3])
        if m:
            return spans[:-1] + [(start, end + m.end())]
    return spans


def _build(article: ParsedArticle, tok, cand: Candidate, score: float) -> Attribution:
    source = source_of(tok)
    cue = article.token_spans(cue_tokens(tok))
    return Attribution(content=_balance_quotes(article.text, cand.spans), cue=cue,
                       source=article.token_spans(speaker_tokens(source)) if source is not None else [],
                       cue_token=tok.i, source_token=source.i if source is not None else None,
                       content_kind=cand.kind, score=score)


class RuleExtractor:
    """The baseline: speech verbs (and "according to") with a clausal complement or a
    quotation beside them; content by a fixed order of kinds."""

    ORDER = ("quote", "quote-continued", "ccomp", "head-according", "head-parataxis", "head-ccomp",
             "sentence-rest")

    def extract(self, spacy_doc) -> list[Attribution]:
        article = ParsedArticle(spacy_doc)
        found = []
        for tok in spacy_doc:
            if tok.lower_ not in SPEECH_VERBS or article.token_quote[tok.i] >= 0:
                continue
            if tok.lower_ == "according" and not any(c.lower_ == "to" for c in tok.children):
                continue
            cands = {c.kind: c for c in content_candidates(article, tok)}
            for kind in self.ORDER:
                cand = cands.get(kind)
                if cand is None:
                    continue
                if kind == "sentence-rest" and "ccomp" not in cands and not tok.dep_ == "ROOT":
                    break
                if kind.startswith("quote") and len(cand.tokens) < 5:
                    continue
                found.append(_build(article, tok, cand, 1.0))
                break
        return _dedupe(found + introduced_quotes(article, found))


class LearnedExtractor:
    """Cue classifier over every verb-like token, then the cue's content: the candidate the
    selection model ranks first (a softmax over the cue's candidates), kept when the content
    model gives it enough probability. Without a selection model the content model ranks too."""

    def __init__(self, cue_model: LinearModel, content_model: LinearModel,
                 selection_model: LinearModel | None = None):
        self.cue_model = cue_model
        self.content_model = content_model
        self.selection_model = selection_model

    def extract(self, spacy_doc) -> list[Attribution]:
        article = ParsedArticle(spacy_doc)
        tensor = token_tensor(spacy_doc)
        cue_dense, content_dense = DenseScorer(self.cue_model, tensor), DenseScorer(self.content_model, tensor)
        ranker = self.selection_model or self.content_model
        rank_dense = DenseScorer(ranker, tensor) if ranker is not self.content_model else content_dense
        found = []
        for tok in spacy_doc:
            if not is_cue_candidate(tok):
                continue
            p_cue = self.cue_model.probability(cue_features(article, tok), cue_dense(cue_slots(tok)))
            if p_cue < self.cue_model.threshold:
                continue
            cands = content_candidates(article, tok)
            if not cands:
                continue
            scored = []
            for cand in cands:
                feats, slots = content_features(article, tok, cand, cands), content_slots(len(spacy_doc), cand)
                scored.append((ranker.score(feats, rank_dense(slots)), feats, slots, cand))
            _, feats, slots, best = max(scored, key=lambda x: x[0])
            p_content = self.content_model.probability(feats, content_dense(slots))
            if p_content < self.content_model.threshold:
                continue
            found.append(_build(article, tok, best, p_cue * p_content))
        return _dedupe(found + introduced_quotes(article, found))

    def save(self, out_dir: Path, meta: dict | None = None) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / MODEL_FILE
        data = {"cue": self.cue_model.to_dict(), "content": self.content_model.to_dict(), "meta": meta or {}}
        if self.selection_model is not None:
            data["selection"] = self.selection_model.to_dict()
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            json.dump(data, handle, separators=(",", ":"))
        return path

    @classmethod
    def load(cls, path: Path | None = None) -> "LearnedExtractor":
        path = Path(path) if path else ARTEFACT_DIR / MODEL_FILE
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        selection = LinearModel.from_dict(data["selection"]) if "selection" in data else None
        return cls(LinearModel.from_dict(data["cue"]), LinearModel.from_dict(data["content"]), selection)
