"""Helpers shared by the evaluation commands: logging to stderr, reading folders."""

from __future__ import annotations

import sys
from pathlib import Path

from newssift.errors import InputError


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def require(path: Path, *names: str) -> None:
    """Fail with one clear sentence if `path` lacks any of `names`."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist.")
    missing = [n for n in names if not (path / n).exists()]
    if missing:
        raise InputError(f"{path} is not laid out as expected: missing {', '.join(missing)}.")


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
