"""Outlet ratings from open lists, each named and dated."""

from __future__ import annotations

from newssift.head import Doc, Head, NotBuilt


class SourceHead(Head):
    name = "source"
    section = "source"
    description = "Outlet ratings from open lists, each named and dated."

    def load(self) -> None:
        raise NotBuilt("The source analysis is not built yet.")

    def __call__(self, doc: Doc) -> None:  # pragma: no cover - not built
        raise NotBuilt(self.name)
