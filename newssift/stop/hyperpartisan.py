"""Hyperpartisan tone, article level."""

from __future__ import annotations

from newssift.head import Doc, Head, NotBuilt


class HyperpartisanHead(Head):
    name = "hyperpartisan"
    section = "stop"
    description = "Hyperpartisan tone, article level."

    def load(self) -> None:
        raise NotBuilt("The hyperpartisan analysis is not built yet.")

    def __call__(self, doc: Doc) -> None:  # pragma: no cover - not built
        raise NotBuilt(self.name)
