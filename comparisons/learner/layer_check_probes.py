"""Probes for layer-by-layer checks: inputs designed so each classic mistake of a layer shows.

Every probe has N > 1 somewhere (a missing sum over the batch shows), non-square shapes (a transpose shows;
one square affine probe shows a transpose whose shape fits), x of more than two axes for affine (a dx not
reshaped shows), inputs away from the ReLU kink (|x| >= 0.1) except one probe with exact zeros placed
where the kink convention is judged separately, logits near 800 (a softmax without the max subtracted
overflows), overlapping pooling windows (a shared max must add both gradients), running statistics that
are not zero (momentum applied the wrong way round shows). NumPy only; drawn from one seed.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

KINK_GAP = 0.1   # |x| >= this for activations' probes: no element within rounding of the kink


@dataclass
class LayerProbe:
    """One set of forward arguments: arrays by name (forward's order), the config dict, and whether
    backward is called on it (a test-mode probe is forward only)."""

    name: str
    arrays: dict[str, np.ndarray]
    config: dict | None = None
    backward: bool = True
    kinks: np.ndarray | None = None     # relu: where x == 0 exactly (either subgradient is accepted)
    extra: dict = field(default_factory=dict)
    to_learner: Callable[[dict], dict] | None = None   # the config as the learner reads it (dropout's p="drop")

    def describe(self) -> str:
        """'N=3, x of 3 axes: x (3, 2, 4), w (8, 5), b (5,)'."""
        return f"{self.name}: " + ", ".join(f"{k} {tuple(v.shape)}" for k, v in self.arrays.items() if v.ndim)

    @property
    def N(self) -> int:
        return int(next(iter(self.arrays.values())).shape[0])

    def fresh_config(self) -> dict | None:
        """A deep copy of the config (running statistics included), in the learner's convention: it may write
        into it."""
        cfg = copy.deepcopy(self.config)
        return self.to_learner(cfg) if self.to_learner and cfg is not None else cfg

    def args(self) -> list:
        """Fresh copies of the forward arguments, the config last."""
        out = [a.copy() for a in self.arrays.values()]
        return out + ([self.fresh_config()] if self.config is not None else [])


def _away(a: np.ndarray, gap: float = KINK_GAP) -> np.ndarray:
    """a with every |element| pushed to at least gap (the sign kept)."""
    return np.where(a >= 0, np.maximum(a, gap), np.minimum(a, -gap))


def _probe(name: str, arrays: dict, dtype, **kw) -> LayerProbe:
    arrays = {k: np.asarray(v, dtype if np.asarray(v).dtype.kind == "f" else None) for k, v in arrays.items()}
    return LayerProbe(name, arrays, **kw)


def affine(rng: np.random.Generator, dtype) -> list[LayerProbe]:
    n = rng.standard_normal
    return [_probe("N=3, x of 3 axes", dict(x=n((3, 2, 4)), w=n((8, 5)), b=n(5)), dtype),
            _probe("N=4, square w", dict(x=n((4, 3, 2)), w=n((6, 6)), b=n(6)), dtype),
            _probe("N=1", dict(x=n((1, 7)), w=n((7, 3)), b=n(3)), dtype)]


def relu(rng: np.random.Generator, dtype) -> list[LayerProbe]:
    x0 = _away(rng.standard_normal((4, 6)))
    x0[0, :3] = 0.0
    x0[2, 4] = 0.0
    return [_probe("N=3", dict(x=_away(rng.standard_normal((3, 5)))), dtype),
            _probe("N=2, x of 3 axes", dict(x=_away(rng.standard_normal((2, 3, 4)))), dtype),
            _probe("N=4, exact zeros", dict(x=x0), dtype, kinks=x0 == 0)]


def classification(rng: np.random.Generator, dtype) -> list[LayerProbe]:
    """softmax_loss and svm_loss: logits x (N, C), class indices y."""
    big = 800 + 30 * rng.standard_normal((3, 4))
    return [_probe("N=4, C=3", dict(x=rng.standard_normal((4, 3)), y=np.array([2, 0, 1, 2])), dtype),
            _probe("N=5, C=6", dict(x=2 * rng.standard_normal((5, 6)), y=rng.integers(0, 6, 5)), dtype),
            _probe("N=3, logits near 800", dict(x=big, y=np.array([1, 3, 0])), dtype, extra={"large": True})]


def _bn_config(rng, d: int, mode: str) -> dict:
    return {"mode": mode, "eps": 1e-5, "momentum": 0.9, "running_mean": rng.standard_normal(d),
            "running_var": 0.5 + rng.random(d)}


def batchnorm(rng: np.random.Generator, dtype) -> list[LayerProbe]:
    n = rng.standard_normal
    out = []
    for name, (N, D), mode in (("N=4 train", (4, 3), "train"), ("N=6 train", (6, 5), "train"),
                               ("N=3 test", (3, 4), "test")):
        cfg = _bn_config(rng, D, mode)
        cfg["running_mean"], cfg["running_var"] = cfg["running_mean"].astype(dtype), cfg["running_var"].astype(dtype)
        out.append(_probe(name, dict(x=2 * n((N, D)) + 1, gamma=1 + 0.5 * n(D), beta=n(D)), dtype, config=cfg,
                          backward=mode == "train"))
    return out


def dropout(rng: np.random.Generator, dtype) -> list[LayerProbe]:
    """p is the probability of keeping (CS231n); x never 0, so the kept elements read back from out."""
    x = lambda shape: _away(rng.standard_normal(shape))
    return [_probe("N=40 train, p=0.3", dict(x=x((40, 50))), dtype, config={"mode": "train", "p": 0.3, "seed": 1}),
            _probe("N=3 train, p=0.8", dict(x=x((3, 7))), dtype, config={"mode": "train", "p": 0.8, "seed": 2}),
            _probe("N=4 test, p=0.5", dict(x=x((4, 5))), dtype, config={"mode": "test", "p": 0.5, "seed": 3},
                   backward=False)]


def conv(rng: np.random.Generator, dtype) -> list[LayerProbe]:
    n = rng.standard_normal
    return [_probe("N=2, stride 2, pad 1", dict(x=n((2, 3, 5, 6)), w=n((4, 3, 3, 2)), b=n(4)), dtype,
                   config={"stride": 2, "pad": 1}),
            _probe("N=3, stride 1, pad 1", dict(x=n((3, 2, 4, 5)), w=n((3, 2, 3, 3)), b=n(3)), dtype,
                   config={"stride": 1, "pad": 1}),
            _probe("N=1, stride 1, pad 0", dict(x=n((1, 2, 4, 3)), w=n((2, 2, 2, 2)), b=n(2)), dtype,
                   config={"stride": 1, "pad": 0})]


def max_pool(rng: np.random.Generator, dtype) -> list[LayerProbe]:
    n = rng.standard_normal
    return [_probe("N=2, 2x2 stride 2", dict(x=n((2, 3, 4, 6))), dtype,
                   config={"pool_height": 2, "pool_width": 2, "stride": 2}),
            _probe("N=2, 3x3 stride 1 (windows overlap)", dict(x=n((2, 2, 5, 6))), dtype,
                   config={"pool_height": 3, "pool_width": 3, "stride": 1}),
            _probe("N=1, 2x3 stride 1", dict(x=n((1, 2, 4, 5))), dtype,
                   config={"pool_height": 2, "pool_width": 3, "stride": 1})]


ProbeMaker = Callable[[np.random.Generator, np.dtype], list[LayerProbe]]
