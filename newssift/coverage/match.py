"""Claims matched to published fact-checks."""

from __future__ import annotations

from newssift.head import Doc, Head, NotBuilt


class CoverageHead(Head):
    name = "coverage"
    section = "coverage"
    description = "Claims matched to published fact-checks."

    def load(self) -> None:
        raise NotBuilt("The coverage analysis is not built yet.")

    def __call__(self, doc: Doc) -> None:  # pragma: no cover - not built
        raise NotBuilt(self.name)
