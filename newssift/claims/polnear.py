"""PolNeAR attribution relations: read a split folder into gold attributions per article.

A split folder holds ``text/<doc>.txt`` and ``attributions/<doc>_<annotator>.ann`` (BRAT
standoff). Some articles were annotated by several people; one annotation per article is kept
(the first annotator in name order) so that agreement studies do not count twice.
``attributions.jsonl`` beside the split folder gives the same relations ready to use and is
read when present.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

Spans = list[tuple[int, int]]


@dataclass
class Attribution:
    content: Spans
    source: Spans = field(default_factory=list)
    cue: Spans = field(default_factory=list)


@dataclass
class PolnearDoc:
    name: str
    text: str
    attributions: list[Attribution]


def read_text(path: Path) -> str:
    # newline="" keeps the offsets: they count code points of the file as it is
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def _annotation_files(split_dir: Path) -> dict[str, Path]:
    chosen: dict[str, Path] = {}
    for path in sorted((split_dir / "attributions").glob("*.ann")):
        doc = re.sub(r"_[0-9a-f]{4}$", "", path.stem)
        chosen.setdefault(doc, path)
    return chosen


def parse_ann(path: Path) -> list[Attribution]:
    """Attribution events of one BRAT file: each names its Source, Cue and Content text-bounds."""
    bounds: dict[str, Spans] = {}
    events: list[dict[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue  # the rest of a span text that holds a line break
        if line.startswith("T"):
            tid, middle = parts[0], parts[1]
            _, offsets = middle.split(" ", 1)
            bounds[tid] = [tuple(int(x) for x in part.split()) for part in offsets.split(";")]
        elif line.startswith("E"):
            _, args = line.split("\t", 1)
            roles = {}
            for arg in args.split()[1:]:
                role, _, target = arg.partition(":")
                # a second content piece is a role "Content2" in BRAT
                roles.setdefault(re.sub(r"\d+$", "", role), []).append(target)
            events.append(roles)
    out = []
    for roles in events:
        if "Content" not in roles:
            continue
        spans = lambda role: sorted(s for t in roles.get(role, []) for s in bounds.get(t, []))
        out.append(Attribution(content=spans("Content"), source=spans("Source"), cue=spans("Cue")))
    return out


def _from_jsonl(jsonl: Path, split: str, chosen: dict[str, str]) -> dict[str, list[Attribution]]:
    by_doc: dict[str, list[Attribution]] = {}
    with open(jsonl, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["split"] != split or chosen.get(record["doc"]) != record["annotator"]:
                continue
            if not record.get("content"):
                continue
            spans = lambda key: sorted(tuple(s) for s in (record.get(key) or {}).get("spans", []))
            by_doc.setdefault(record["doc"], []).append(
                Attribution(content=spans("content"), source=spans("source"), cue=spans("cue")))
    return by_doc


def load_split(split_dir: str | Path, use_jsonl: bool = True) -> list[PolnearDoc]:
    """Every article of a split folder with its gold attributions, in file-name order."""
    split_dir = Path(split_dir)
    files = _annotation_files(split_dir)
    jsonl = next((p for p in (split_dir / "attributions.jsonl", split_dir.parent / "attributions.jsonl")
                  if p.exists()), None)
    from_jsonl = None
    if jsonl is not None and use_jsonl:
        chosen = {doc: re.search(r"_([0-9a-f]{4})$", p.stem).group(1) for doc, p in files.items()}
        from_jsonl = _from_jsonl(jsonl, split_dir.name, chosen)
        if not from_jsonl:  # the jsonl describes other splits than this folder
            from_jsonl = None
    docs = []
    for text_path in sorted((split_dir / "text").glob("*.txt")):
        name = text_path.stem
        if from_jsonl is not None:
            gold = from_jsonl.get(name, [])
        else:
            gold = parse_ann(files[name]) if name in files else []
        docs.append(PolnearDoc(name=name, text=read_text(text_path), attributions=gold))
    return docs


def parsed_split(split_dir: str | Path, cache_dir: str | Path | None = None):
    """(PolnearDoc, spaCy Doc) pairs for a split, the parses cached as a DocBin.

    The cache is keyed by the article names, the texts' total length and the spaCy model's name
    and version, so a changed folder or model is parsed again. A DocBin keeps no ``doc.tensor``
    (the parse's token vectors, features of the quote models), so the tensors are cached beside
    it (float16, one array per article) and put back on the loaded Docs."""
    import hashlib
    import sys

    import numpy as np
    from spacy.tokens import DocBin

    from newssift.nlp import get_nlp
    from newssift import settings

    split_dir = Path(split_dir)
    docs = load_split(split_dir)
    nlp = get_nlp()
    model = f"{nlp.meta.get('name')}-{nlp.meta.get('version')}"
    key = hashlib.sha256(("\x00".join(d.name for d in docs) + str(sum(len(d.text) for d in docs)) + model)
                         .encode()).hexdigest()[:12]
    cache = Path(cache_dir) if cache_dir else settings.cache_dir() / "quotes"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{split_dir.name}-{key}.spacy"
    tensor_path = cache / f"{split_dir.name}-{key}.tensors.npz"
    if path.exists() and tensor_path.exists():
        parsed = list(DocBin().from_bytes(path.read_bytes()).get_docs(nlp.vocab))
        with np.load(tensor_path) as tensors:
            for doc, spacy_doc in zip(docs, parsed):
                spacy_doc.tensor = tensors[doc.name].astype(np.float32)
    else:
        print(f"parsing {len(docs)} articles of {split_dir} (cached in {path})", file=sys.stderr)
        parsed = list(nlp.pipe((d.text for d in docs), batch_size=8))
        bin_ = DocBin(store_user_data=False)
        for p in parsed:
            bin_.add(p)
        path.write_bytes(bin_.to_bytes())
        with open(tensor_path, "wb") as handle:
            np.savez(handle, **{d.name: p.tensor.astype(np.float16) for d, p in zip(docs, parsed)})
    return list(zip(docs, parsed))
