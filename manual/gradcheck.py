"""Finite-difference gradient check: the third oracle, needing neither torch nor our backward.

The project's one central-difference routine (gradcheck below and the learner check
comparisons.learner.value_checks.check_grad_matches_finite_diff both use it):
    dL/dp ~ (L(p + h) - L(p - h)) / 2h,   h = step_size(dtype) = (3 c eps) ** (1/3),  c = ROUNDING_TERMS / 2
Why that h: the quotient's truncation error is h**2 |L^(3)| / 6; its rounding error is c eps |L| / h (each
evaluation of L is off by up to c eps |L|, a few sums and an exp or log, and the two are divided by 2h).
Their sum is smallest at h = (3 c eps |L| / |L^(3)|) ** (1/3) (Numerical Recipes, section 5.7), taken at
|L| ~ |L^(3)|: 1.5e-5 in float64, where both errors are then ~1e-10 relative; 1.2e-2 in float32, where they
are ~1e-4, too coarse to judge backprop (gradcheck refuses float32). A much smaller h is ruled by rounding
(1e-8: ~1e-7), a much larger one by curvature (1e-3: ~1e-7).
Judged by CS231n's symmetric relative error |a - n| / (|a| + |n|) (0 where both are 0), read in its bands
(> 1e-2 wrong, < 1e-7 good), above a rounding floor: where |a - n| <= rounding_floor(L, h) the two agree
to what central differences can resolve (a saturated sigmoid's 1e-13 gradient), and the error is 0.
Where p + h and p - h put some ReLU/LeakyReLU input on different sides of 0, the difference straddles
a kink and is wrong while backward may be right (XOR's (0, 0) row with zero biases sits exactly on one):
such entries are detected by comparing the activation masks, counted in `kinks`, and left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .errors import DTypeError
from .network import Sequential

GOOD, WRONG = 1e-7, 1e-2
ROUNDING_TERMS = 10  # rounding of one loss evaluation, in eps * max(1, |L|): a few sums and an exp or log


def step_size(dtype=np.float64) -> float:
    """h = (3 c eps) ** (1/3), c = ROUNDING_TERMS / 2: truncation (h**2) and rounding (c eps / h) balanced."""
    return float(np.cbrt(1.5 * ROUNDING_TERMS * np.finfo(dtype).eps))


def rounding_floor(loss: float, h: float, dtype=np.float64) -> float:
    """The smallest |analytic - numeric| central differences resolve: ROUNDING_TERMS eps max(1, |L|) / h
    (L(p + h) and L(p - h) are each off by up to ROUNDING_TERMS / 2 eps max(1, |L|), divided by 2h)."""
    return ROUNDING_TERMS * float(np.finfo(dtype).eps) * max(1.0, abs(loss)) / h


def relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """|a - n| / (|a| + |n|); 0 where both are 0, or where |a - n| <= floor (rounding_floor)."""
    num = np.abs(analytic - numeric)
    den = np.abs(analytic) + np.abs(numeric)
    return np.where((den > 0) & (num > floor), num / np.where(den > 0, den, 1.0), 0.0)


class Difference(NamedTuple):
    """One entry's central difference, whether its nudge crossed a kink, and its rounding floor."""

    value: float
    kink: bool
    floor: float


def central_difference(f, p: np.ndarray, index, h: float | None = None, signature=None) -> Difference:
    """(f() at p + h e_i - f() at p - h e_i) / 2h for entry `index` of p, which is perturbed in place and
    restored exactly (also when f raises). h: step_size(p.dtype) unless given. signature() (the activation
    masks, or None) is compared between the two sides: a change means the nudge crossed a kink."""
    h = step_size(p.dtype) if h is None else h
    old = p[index]
    try:
        p[index] = old + h
        f_plus, sig_plus = float(f()), signature() if signature else None
        p[index] = old - h
        f_minus, sig_minus = float(f()), signature() if signature else None
    finally:
        p[index] = old
    kink = signature is not None and any((np.asarray(a) != np.asarray(b)).any() for a, b in zip(sig_plus, sig_minus))
    return Difference((f_plus - f_minus) / (2 * h), bool(kink), rounding_floor(max(abs(f_plus), abs(f_minus)), h))


def numerical_gradient(f, p: np.ndarray, h: float | None = None, signature=None) -> tuple[np.ndarray, np.ndarray]:
    """central_difference of the scalar f() for every entry of p. Returns (gradient, kink mask)."""
    g = np.zeros_like(p)
    kink = np.zeros(p.shape, bool)
    for idx in np.ndindex(p.shape):
        g[idx], kink[idx], _ = central_difference(f, p, idx, h, signature)
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


def gradcheck(net: Sequential, loss, x: np.ndarray, y: np.ndarray, *, h: float | None = None) -> GradcheckResult:
    """Compare net's backward gradients of loss(net(x), y) with central differences (h: step_size(float64)
    unless given), every parameter, by relative_error above the rounding floor at the unperturbed loss."""
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

    h = step_size(np.float64) if h is None else h
    floor = rounding_floor(float(f()), h)
    result = GradcheckResult(analytic=analytic)
    for name, p in net.params.items():
        numeric, kink = numerical_gradient(f, p, h, signature)
        result.numeric[name] = numeric
        result.kinks += int(kink.sum())
        result.errors[name] = float(relative_error(analytic[name], numeric, floor)[~kink].max(initial=0.0))
    return result
