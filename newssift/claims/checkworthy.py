"""Check-worthiness of every sentence; the claims above a calibrated threshold."""

from __future__ import annotations

from newssift.head import Doc, Head, NotBuilt


class CheckworthyHead(Head):
    name = "checkworthy"
    section = "claims"
    description = "Check-worthiness of every sentence; the claims above a calibrated threshold."

    def load(self) -> None:
        raise NotBuilt("The checkworthy analysis is not built yet.")

    def __call__(self, doc: Doc) -> None:  # pragma: no cover - not built
        raise NotBuilt(self.name)
