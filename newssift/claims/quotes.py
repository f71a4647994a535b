"""Quotes, direct and indirect, with speaker and cue."""

from __future__ import annotations

from newssift.head import Doc, Head, NotBuilt


class QuotesHead(Head):
    name = "quotes"
    section = "claims"
    description = "Quotes, direct and indirect, with speaker and cue."

    def load(self) -> None:
        raise NotBuilt("The quotes analysis is not built yet.")

    def __call__(self, doc: Doc) -> None:  # pragma: no cover - not built
        raise NotBuilt(self.name)
