"""Propaganda-technique spans (the 14 techniques of SemEval-2020 Task 11)."""

from __future__ import annotations

from newssift.head import Doc, Head, NotBuilt


class PropagandaHead(Head):
    name = "propaganda"
    section = "stop"
    description = "Propaganda-technique spans (the 14 techniques of SemEval-2020 Task 11)."

    def load(self) -> None:
        raise NotBuilt("The propaganda analysis is not built yet.")

    def __call__(self, doc: Doc) -> None:  # pragma: no cover - not built
        raise NotBuilt(self.name)
