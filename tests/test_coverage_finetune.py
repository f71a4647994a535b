"""The matching delta: what training optimises (torch top layers over cached lower states) is
what the runtime computes (the delta merged into the ONNX encoder), and the matcher runs on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from newssift.coverage import finetune as ft  # noqa: E402

TEXTS = [
    "Putin congratulated Trump on his election victory.",
    "President Obama congratulated Vladimir Putin for Russia's election results in 2012.",
    "A photograph shows a shark swimming on a flooded highway in Houston after Hurricane Harvey.",
    "Sharks were photographed swimming on a Houston freeway after Harvey.",
    "The Pope endorsed Donald Trump for president.",
    "Pope Francis shocked the world by endorsing Donald Trump.",
]


def test_trained_delta_is_what_the_runtime_encoder_computes(tmp_path):
    from newssift.models.encoder import Encoder, base_model_dir

    states = ft.LowerStates(TEXTS, tmp_path)
    items = [{"query": TEXTS[i], "positive": TEXTS[i + 1], "related": {TEXTS[i + 1]}, "hard": [TEXTS[(i + 2) % 6]]}
             for i in (0, 2, 4)]
    layers, stats = ft.finetune(items, states, epochs=3, batch=3, lr=5e-3)
    assert stats["steps"] == 3
    delta = tmp_path / "matching-delta.safetensors"
    ft.save(layers, delta, 8, 16.0, stats)
    assert delta.stat().st_size < 1_000_000
    trained = ft.embed_all(layers, states)
    runtime = Encoder(base_dir=base_model_dir(), lora_path=delta, threads=1)
    base = Encoder(base_dir=base_model_dir(), lora_path=None, threads=1)
    assert runtime.fingerprint != base.fingerprint
    got = runtime.embed_sentences(TEXTS)
    # the same vectors up to the fp16 storage of the delta and of the cached lower states
    assert np.abs(got - trained).max() < 0.01
    assert np.abs(got - base.embed_sentences(TEXTS)).max() > 0.01  # the delta changed something


def test_lower_states_are_cached(tmp_path):
    first = ft.LowerStates(TEXTS[:2], tmp_path)
    assert len(list(Path(tmp_path).glob("lower-*.npz"))) == 1
    again = ft.LowerStates(TEXTS[:2], tmp_path)
    assert np.array_equal(first.states, again.states)


def test_shipped_matcher_runs_on_the_shipped_delta():
    from newssift.coverage.embedding import matching_delta
    from newssift.coverage.model import MatchModel
    from newssift.models.encoder import base_model_dir, fingerprint_of

    delta = matching_delta()
    expected = fingerprint_of(base_model_dir(), delta if delta.is_file() else None)
    MatchModel.load().check_encoder(expected)  # raises if the matcher was fitted on other embeddings
