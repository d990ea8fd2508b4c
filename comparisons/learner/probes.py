"""Probes: the inputs a learner is checked on, designed to expose the classic mistakes. One random draw
is not a check.

From one `seed`, four draws (each its own weights, inputs and targets, in the learner's sizes):
    N=3                     a small batch
    N=1                     one sample: bugs that only show for a batch (sum vs mean, db from one row) do not
                            show here, which is how "only wrong for batch > 1" is told apart
    N=8                     a larger batch (a different N, so a factor N is seen as N and not as a constant)
    N=8 near saturation     saturating hidden layers (sigmoid, tanh, hardtanh: the registry's `saturates`)
                            driven to |z| ~ 2..6, where f' is small and a derivative taken on the wrong
                            value differs most
Weights are W ~ N(0, 1.5**2 / fan_in) (N(0, 4**2 / fan_in) for saturated layers, N(0, 1 / fan_in) for the
output layer), biases ~ N(0, 0.5**2), X ~ N(0, 1), targets in the spec's form (the loss registry's `target`
unless the learner chose another it takes): y ~ U(0, 1) for regression losses, 0/1 for BCE, one-hot rows for
cross-entropy (class indices with targets="index"), class indices for NLL. A classifier's code may
take argmax of one-hot rows, so they are exact 0/1 rows, never soft labels.
A draw is redrawn (deterministically) until every layer whose activation is `mixed` (ReLU, LeakyReLU, ELU,
Hardtanh) has units on both sides of its first kink, no pre-activation lies within KINK_MARGIN of any kink
(at the layer's own parameters: hardtanh:-2:2's are at -2 and 2), and a sigmoid output stays within
(1e-3, 1 - 1e-3).
For step checks each probe also has its own learning rate, lr * (1, 1/2, 1, 1/4): a bug that scales with
lr (lr applied twice, lr ignored) is then told apart from a constant factor.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manual.losses.registry import TARGETS

from .spec import LearnerSpec
from .reference import forward

PLAN = (  # (N, near saturation, lr multiplier)
    (3, False, 1.0),
    (1, False, 0.5),
    (8, False, 1.0),
    (8, True, 0.25),
)
KINK_MARGIN = 1e-3
MAX_DRAWS = 200


@dataclass(frozen=True)
class Probe:
    """One draw: params [(W, b)] row-major, X (N, sizes[0]), y (N, sizes[-1]), all in the spec's dtype (y as
    class indices (N,) int64 where the spec's targets are 'index')."""

    index: int
    name: str
    params: tuple
    X: np.ndarray
    y: np.ndarray
    lr: float | None = None

    @property
    def N(self) -> int:
        return int(self.X.shape[0])

    def with_params(self, params, lr: float | None = None) -> Probe:
        """The same data at other parameters (a later step of a trajectory)."""
        return Probe(self.index, self.name, tuple((W.copy(), b.copy()) for W, b in params), self.X, self.y,
                     self.lr if lr is None else lr)


def _draw(spec: LearnerSpec, n: int, saturate: bool, rng: np.random.Generator):
    params = []
    for k in range(spec.n_linear):
        fan_in, fan_out = spec.sizes[k], spec.sizes[k + 1]
        hidden = k < spec.n_linear - 1
        gain = 1.0 if not hidden else (4.0 if saturate and spec.act(k).op.saturates else 1.5)
        W = rng.standard_normal((fan_in, fan_out)) * gain / np.sqrt(fan_in)
        params.append((W.astype(spec.dtype), (rng.standard_normal(fan_out) * 0.5).astype(spec.dtype)))
    X = rng.standard_normal((n, spec.sizes[0])).astype(spec.dtype)
    return params, X, draw_targets(spec.targets, n, spec.sizes[-1], spec.dtype, rng)


def draw_targets(form: str, n: int, k: int, dtype, rng: np.random.Generator) -> np.ndarray:
    """y in the loss's target form (the loss registry's `target`): real U(0, 1) values (N, K), binary 0/1
    (N, K), one-hot rows (N, K), or class indices (N,) as int64."""
    if form == "real":
        return rng.uniform(0.0, 1.0, (n, k)).astype(dtype)
    if form == "binary":
        return rng.integers(0, 2, (n, k)).astype(dtype)
    classes = rng.integers(0, k, n)
    return classes if form == "index" else np.eye(k, dtype=dtype)[classes]


def _score(spec: LearnerSpec, params, X) -> tuple[int, int]:
    """(conditions met, conditions asked): units on both sides of a kink, none near one, output sigmoid away
    from 0 and 1."""
    zs, acts = forward(spec, params, X)
    met = asked = 0
    for k in range(spec.n_linear - 1):
        kinks, z = spec.act(k).kinks(), zs[k]
        if spec.act(k).op.mixed:
            asked += 2
            met += int((z > kinks[0]).any()) + int((z < kinks[0]).any() or z.size == 1)
        if kinks:
            asked += 1
            met += int(all((np.abs(z - kink) >= KINK_MARGIN).all() for kink in kinks))
    if spec.output == "sigmoid":
        asked += 1
        met += int(((acts[-1] > 1e-3) & (acts[-1] < 1 - 1e-3)).all())
    return met, asked


def design_probes(spec: LearnerSpec, lr: float | None = None) -> list[Probe]:
    """The four probes for `spec`, a pure function of spec (sizes, activations, dtype, seed) and lr."""
    probes = []
    for index, (n, saturate, lr_factor) in enumerate(PLAN):
        best, best_met = None, -1
        for attempt in range(MAX_DRAWS):
            rng = np.random.default_rng([spec.seed, index, attempt])
            draw = _draw(spec, n, saturate, rng)
            met, asked = _score(spec, draw[0], draw[1])
            if met > best_met:
                best, best_met = draw, met
            if met == asked:
                break
        params, X, y = best
        name = f"N={n}" + (" near saturation" if saturate else "")
        probes.append(Probe(index, name, tuple(params), X, y, None if lr is None else lr * lr_factor))
    return probes


def describe_probes(spec: LearnerSpec, probes: list[Probe]) -> list[str]:
    """Header lines: the probes, and whether a square layer makes a transposed dW visible by value."""
    names = " | ".join(p.name + (f" (lr {p.lr:g})" if p.lr is not None else "") for p in probes)
    square = spec.square_layers()
    if square:
        sq = "square: " + ", ".join(spec.layer_label(k) for k in square)
    else:
        sq = "no square layer, so a transposed dW shows as a shape error"
    lines = [f"probes    {names}; {sq}"]
    if spec.class_targets:   # what a classifier receives as y is part of its contract
        lines.append(f"targets   {TARGETS[spec.targets]}")
    return lines
