"""Readers for the check-worthiness data sets: ClaimBuster CSVs and CLEF CheckThat! debate TSVs."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from pathlib import Path

from newssift.errors import InputError


@dataclass(frozen=True, slots=True)
class LabelledSentence:
    text: str
    label: int  # 1 check-worthy, 0 not
    group: str  # the debate or file it comes from: splits never cut through one
    speaker: str = ""
    verdict: int | None = None  # ClaimBuster's -1 / 0 / 1 where known
    position: int = 0  # order inside its debate (ClaimBuster Sentence_id, CLEF line number)


def read_claimbuster_csv(path: str | Path) -> list[LabelledSentence]:
    """A ClaimBuster CSV (Text, Verdict, File_id, Speaker): check-worthy means Verdict 1."""
    path = Path(path)
    rows: list[LabelledSentence] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "Text" not in reader.fieldnames or "Verdict" not in reader.fieldnames:
            raise InputError(f"{path} is not a ClaimBuster CSV: it needs the columns Text and Verdict.")
        for row in reader:
            verdict = int(float(row["Verdict"]))
            rows.append(LabelledSentence(
                text=row["Text"].strip(),
                label=int(verdict == 1),
                group=row.get("File_id") or path.name,
                speaker=row.get("Speaker") or "",
                verdict=verdict,
                position=int(row.get("Sentence_id") or len(rows)),
            ))
    return rows


def read_clef_tsv(path: str | Path) -> list[LabelledSentence]:
    """One CLEF debate: `line<TAB>speaker<TAB>sentence<TAB>label` per line."""
    path = Path(path)
    rows: list[LabelledSentence] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 4 or not parts[0].strip().isdigit():
                if line.strip():
                    raise InputError(f"{path}:{number} is not a CLEF line (line, speaker, sentence, label).")
                continue
            rows.append(LabelledSentence(text=parts[2].strip(), label=int(parts[3].strip()),
                                         group=path.stem, speaker=parts[1].strip(), position=int(parts[0])))
    return rows


def read_clef_folder(path: str | Path) -> dict[str, list[LabelledSentence]]:
    """Every `*.tsv` below a folder, one entry per debate file (sorted by name)."""
    files = sorted(Path(path).rglob("*.tsv"))
    if not files:
        raise InputError(f"{path} holds no CLEF .tsv files.")
    return {str(f.relative_to(path)): read_clef_tsv(f) for f in files}


def _vocabulary(rows: list[LabelledSentence]) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", " ".join(r.text for r in rows).lower()))


def read_clef_training(clef_dir: str | Path, same_debate: float = 0.8) -> dict[str, list[LabelledSentence]]:
    """CLEF 2019 and 2020 training debates, each debate once.

    Both years ship some debates twice, under other names and sentence splits (12 of the 19 2019
    files; word-set Jaccard >= 0.84, against <= 0.34 for different debates). 2020 relabelled some
    of their sentences, so its version wins.
    """
    clef_dir = Path(clef_dir)
    later = {f"clef2020/{f.stem}": read_clef_tsv(f) for f in sorted((clef_dir / "clef2020" / "train").glob("*.tsv"))}
    later_words = {name: _vocabulary(rows) for name, rows in later.items()}
    debates = dict(later)
    for tsv in sorted((clef_dir / "clef2019" / "train").glob("*.tsv")):
        rows = read_clef_tsv(tsv)
        words = _vocabulary(rows)
        if not any(len(words & other) / max(1, len(words | other)) >= same_debate for other in later_words.values()):
            debates[f"clef2019/{tsv.stem}"] = rows
    # the group of every sentence is its debate's name here, so that splits can name debates
    return {name: [replace(r, group=name) for r in rows] for name, rows in sorted(debates.items()) if rows}
