"""Read the FNC-1 layout: ``bodies.csv`` (Body ID, articleBody) and ``stances.csv`` (Headline, Body ID, Stance)."""

from __future__ import annotations

import csv
from pathlib import Path

from newssift.errors import InputError

STANCES = ("agree", "disagree", "discuss", "unrelated")


def read_fnc(path: str | Path) -> tuple[dict[int, str], list[tuple[str, int, str | None]]]:
    """(bodies by id, [(headline, body id, stance or None)])."""
    folder = Path(path)
    bodies_file, stances_file = folder / "bodies.csv", folder / "stances.csv"
    if not bodies_file.exists() or not stances_file.exists():
        raise InputError(f"{folder} needs bodies.csv and stances.csv.")
    with open(bodies_file, encoding="utf-8", newline="") as fh:
        bodies = {int(row["Body ID"]): row["articleBody"] for row in csv.DictReader(fh)}
    with open(stances_file, encoding="utf-8", newline="") as fh:
        pairs = [(row["Headline"], int(row["Body ID"]), (row.get("Stance") or None)) for row in csv.DictReader(fh)]
    return bodies, pairs
