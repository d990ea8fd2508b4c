"""Finite-difference gradient check: the third oracle, needing neither torch nor our backward.

Central differences  dL/dp ~ (L(p + h) - L(p - h)) / 2h,  judged by the symmetric relative error
|a - n| / max(|a| + |n|, tiny), read in CS231n's bands: > 1e-2 wrong, < 1e-7 good (float64).
Where p + h and p - h put some ReLU/LeakyReLU input on different sides of 0, the difference straddles
a kink and is wrong while backward may be right (XOR's (0, 0) row with zero biases sits exactly on one):
such entries are detected by comparing the activation masks, counted in `kinks`, and left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import DTypeError
from .network import Sequential

GOOD, WRONG = 1e-7, 1e-2


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> np.ndarray:
    """|a - n| / (|a| + |n|), 0 where both are 0."""
    num = np.abs(analytic - numeric)
    den = np.abs(analytic) + np.abs(numeric)
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def numerical_gradient(f, p: np.ndarray, h: float = 1e-5, signature=None) -> tuple[np.ndarray, np.ndarray]:
    """Central differences of the scalar f() with respect to every entry of p (perturbed in place and
    restored exactly). Returns (gradient, kink mask): an entry is a kink where signature() (the
    activation masks) differs between p + h and p - h."""
    g = np.zeros_like(p)
    kink = np.zeros(p.shape, bool)
    for idx in np.ndindex(p.shape):
        old = p[idx]
        p[idx] = old + h
        f_plus, sig_plus = float(f()), signature() if signature else None
        p[idx] = old - h
        f_minus, sig_minus = float(f()), signature() if signature else None
        p[idx] = old
        g[idx] = (f_plus - f_minus) / (2 * h)
        kink[idx] = signature is not None and any((a != b).any() for a, b in zip(sig_plus, sig_minus))
    return g, kink


@dataclass
class GradcheckResult:
    """Per parameter: the max relative error over its entries, and both gradients."""

    errors: dict[str, float] = field(default_factory=dict)
    numeric: dict[str, np.ndarray] = field(default_factory=dict)
    analytic: dict[str, np.ndarray] = field(default_factory=dict)
    kinks: int = 0

    @property
    def max_error(self) -> float:
        return max(self.errors.values(), default=0.0)

    @property
    def passed(self) -> bool:
        return self.max_error < WRONG

    def __str__(self) -> str:
        rows = [f"  {k:<10} max rel err {v:.2e}  {_band(v)}" for k, v in self.errors.items()]
        kink = f"\n  {self.kinks} entr(ies) straddle a ReLU kink and were left out" if self.kinks else ""
        return "finite-difference check (central, float64):\n" + "\n".join(rows) + kink


def _band(err: float) -> str:
    return "good" if err < GOOD else ("probably wrong" if err > WRONG else "suspicious")


def gradcheck(net: Sequential, loss, x: np.ndarray, y: np.ndarray, *, h: float = 1e-5) -> GradcheckResult:
    """Compare net's backward gradients of loss(net(x), y) with central differences, every parameter."""
    if net.dtype != np.float64:
        raise DTypeError(f"finite differences need float64 (got {net.dtype}): "
                         "float32 rounding swamps an h small enough to be accurate")

    def f():
        return loss.forward(net.forward(x), y)

    f()
    net.backward(loss.backward())
    analytic = {k: v.copy() for k, v in net.grads.items()}

    def signature():
        return [layer.active() for layer in net.layers if hasattr(layer, "active")]

    # below this absolute difference, rounding in f (about eps * |L| per evaluation) dominates the
    # central difference, so a relative error there says nothing (e.g. a saturated sigmoid's 1e-13 gradient)
    floor = 10 * np.finfo(np.float64).eps * max(1.0, abs(float(f()))) / h
    result = GradcheckResult(analytic=analytic)
    for name, p in net.params.items():
        numeric, kink = numerical_gradient(f, p, h, signature)
        result.numeric[name] = numeric
        result.kinks += int(kink.sum())
        err = relative_error(analytic[name], numeric)
        err[np.abs(analytic[name] - numeric) <= floor] = 0.0
        result.errors[name] = float(err[~kink].max(initial=0.0))
    return result
