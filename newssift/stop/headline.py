"""The body's stance toward the headline, and cues of overstatement."""

from __future__ import annotations

from newssift.head import Doc, Head, NotBuilt


class HeadlineHead(Head):
    name = "headline"
    section = "stop"
    description = "The body's stance toward the headline, and cues of overstatement."

    def load(self) -> None:
        raise NotBuilt("The headline analysis is not built yet.")

    def __call__(self, doc: Doc) -> None:  # pragma: no cover - not built
        raise NotBuilt(self.name)
