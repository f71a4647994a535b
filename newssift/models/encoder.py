"""The shared encoder: one pass per article window serves every learned head."""

from __future__ import annotations

from newssift.errors import ModelMissing


def get_encoder():
    raise ModelMissing("The shared encoder is not built yet.")
