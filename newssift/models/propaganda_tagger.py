"""Training of the propaganda token tagger (torch; training only).

The tagger reads the frozen encoder's final token states of a whole article: a projection to
`hidden` units, then residual 1-D convolutions (kernel 3) with growing dilation, so each token
sees about ±(1 + sum of dilations) wordpieces of context, then 14 technique sigmoids + one "any
technique" sigmoid. The runtime forward pass is numpy (`stop.propaganda.conv_tagger_forward`).

Articles are split into `FOLDS` folds by id hash; a tagger is trained for each of the first
`MODELS` folds on the other folds. Their out-of-fold probabilities on the articles of those folds
are what span decoding, the span re-scorer and the technique classifier are fitted on
(cross-validation, not the validation articles); at runtime the fold taggers are averaged (an
ensemble).
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

FOLDS = 3
MODELS = 3  # fold taggers trained (folds 0..MODELS-1); fewer saves CPU at the cost of CV articles
CONFIG = {"hidden": 128, "dilations": [1, 2, 4], "epochs": 6, "chunk": 384, "batch": 16, "lr": 2e-3,
          "drop_in": 0.2, "drop": 0.1, "pos_weight_cap": 10.0, "seed": 13}


def fold_of(article_id: str, folds: int = FOLDS) -> int:
    return int(hashlib.sha256(f"ptc-fold:{article_id}".encode()).hexdigest()[:8], 16) % folds


def config_key(config: dict) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:10]


def _net(config: dict, n_out: int):
    import torch.nn.functional as F
    from torch import nn

    class ConvTagger(nn.Module):
        def __init__(self):
            super().__init__()
            h = config["hidden"]
            self.drop_in = nn.Dropout(config["drop_in"])
            self.inp = nn.Linear(384, h)
            self.convs = nn.ModuleList([nn.Conv1d(h, h, 3, dilation=d, padding=d) for d in config["dilations"]])
            self.drop = nn.Dropout(config["drop"])
            self.out = nn.Linear(h, n_out)

        def forward(self, x, mask):  # x (batch, tokens, 384), mask (batch, tokens)
            h = F.relu(self.inp(self.drop_in(x))) * mask[..., None]
            for conv in self.convs:
                h = h + F.relu(conv(self.drop(h).transpose(1, 2)).transpose(1, 2))
                h = h * mask[..., None]  # padding stays zero, as beyond the ends of an article
            return self.out(self.drop(h))

    return ConvTagger()


def to_numpy(net) -> dict:
    """Weights in the layout `conv_tagger_forward` reads (convolutions as (3*h, h) matrices)."""
    out = {"in_W": net.inp.weight.detach().numpy().T.copy(), "in_b": net.inp.bias.detach().numpy().copy(),
           "out_W": net.out.weight.detach().numpy().T.copy(), "out_b": net.out.bias.detach().numpy().copy(),
           "dilations": np.asarray([c.dilation[0] for c in net.convs], np.int64)}
    for k, conv in enumerate(net.convs):
        w = conv.weight.detach().numpy()  # (out, in, 3): tap j reads position t + (j - 1) * d
        out[f"conv{k}_W"] = w.transpose(2, 1, 0).reshape(-1, w.shape[0]).copy()
        out[f"conv{k}_b"] = conv.bias.detach().numpy().copy()
    return out


def train_conv_tagger(states: list[np.ndarray], targets: list[np.ndarray], config: dict = CONFIG, say=print) -> dict:
    """One tagger on (token states, 0/1 targets) of whole articles; returns numpy weights."""
    import torch

    seed = config["seed"]
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    xs = [torch.from_numpy(np.asarray(s, np.float32)) for s in states]
    ys = [torch.from_numpy(np.asarray(t, np.float32)) for t in targets]
    y_all = torch.cat(ys)
    pos = y_all.sum(0)
    neg = len(y_all) - pos
    # Rare techniques weigh more (square root of the imbalance, capped); "any technique" keeps
    # weight 1: its threshold is tuned afterwards.
    pos_weight = torch.clamp(torch.sqrt(neg / pos.clamp(min=1)), 1.0, config["pos_weight_cap"])
    pos_weight[-1] = 1.0
    net = _net(config, y_all.shape[1])
    optim = torch.optim.AdamW(net.parameters(), lr=config["lr"], weight_decay=0.01)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight, reduction="none")
    chunk, batch = config["chunk"], config["batch"]

    def chunks():  # article pieces of `chunk` tokens, cut at a random offset each epoch
        out = []
        for i, x in enumerate(xs):
            off = int(rng.integers(0, chunk)) if len(x) > chunk else 0
            starts = sorted({0, *range(off, len(x), chunk)})
            out += [(i, s) for s in starts]
        return out

    total_steps = config["epochs"] * (len(chunks()) // batch + 1)
    step, t0 = 0, time.time()
    for epoch in range(config["epochs"]):
        net.train()
        pieces = chunks()
        order = rng.permutation(len(pieces))
        running = 0.0
        for b in range(0, len(pieces), batch):
            sel = [pieces[j] for j in order[b:b + batch]]
            length = max(min(chunk, len(xs[i]) - s) for i, s in sel)
            x = torch.zeros(len(sel), length, 384)
            y = torch.zeros(len(sel), length, y_all.shape[1])
            m = torch.zeros(len(sel), length)
            for r, (i, s) in enumerate(sel):
                e = min(s + chunk, len(xs[i]))
                x[r, :e - s], y[r, :e - s], m[r, :e - s] = xs[i][s:e], ys[i][s:e], 1
            for group in optim.param_groups:  # warm-up, then linear decay
                group["lr"] = config["lr"] * min(1.0, (step + 1) / 50) * max(0.02, 1 - step / total_steps)
            loss = (loss_fn(net(x, m), y).mean(-1) * m).sum() / m.sum()
            optim.zero_grad()
            loss.backward()
            optim.step()
            step += 1
            running += loss.item()
        say(f"conv tagger epoch {epoch + 1}/{config['epochs']}: loss {running / max(1, len(pieces) // batch):.4f} "
            f"({time.time() - t0:.0f} s)")
    net.eval()
    return to_numpy(net)


def train_folds(articles, states: dict, targets: dict, cache: Path, config: dict = CONFIG, say=print,
                models_wanted: int = MODELS) -> list[dict]:
    """A tagger for each of the first `models_wanted` folds (trained on the other folds), cached by configuration."""
    key = config_key(config)
    models = []
    for k in range(models_wanted):
        path = cache / f"conv-tagger-{key}-fold{k}of{FOLDS}.npz"
        if path.is_file():
            models.append(dict(np.load(path)))
            continue
        fit = [a for a in articles if fold_of(a.id) != k]
        say(f"conv tagger for fold {k + 1}/{FOLDS}: {len(fit)} articles")
        model = train_conv_tagger([states[a.id] for a in fit], [targets[a.id] for a in fit], config, say)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **model)
        models.append(model)
    return models
