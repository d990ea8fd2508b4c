"""Absolute-error losses: L1, and the two that are quadratic near zero (SmoothL1, Huber), as torch."""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import ParityInputError
from .base import ElementwiseLoss


def _non_negative(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise ParityInputError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


class L1Loss(ElementwiseLoss):
    r"""l = |yhat - y|;  dl/dyhat = sign(yhat - y), 0 where they are equal (torch's abs backward)."""

    name = "L1"

    def terms(self, yhat, y):
        self.cache = {"d": yhat - y}
        return np.abs(self.cache["d"])

    def slope(self):
        return np.sign(self.cache["d"])


class SmoothL1Loss(ElementwiseLoss):
    r"""d = yhat - y;  l = 0.5 d**2 / beta where |d| < beta, else |d| - 0.5 beta  (beta = 0: L1)
    dl/dyhat = d / beta where |d| < beta, else sign(d)   (torch.nn.SmoothL1Loss(beta=1.0))"""

    name = "SmoothL1"

    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction)
        self.beta = _non_negative("SmoothL1Loss beta", beta)

    def terms(self, yhat, y):
        d = yhat - y
        t, a = d.dtype.type, np.abs(d)
        self.cache = {"d": d}
        if self.beta == 0:
            return a
        return np.where(a < t(self.beta), t(0.5) * d * d / t(self.beta), a - t(0.5) * t(self.beta))

    def slope(self):
        d = self.cache["d"]
        t = d.dtype.type
        if self.beta == 0:
            return np.sign(d)
        return np.where(d <= -t(self.beta), t(-1), np.where(d >= t(self.beta), t(1), d / t(self.beta)))

    def describe(self) -> str:
        return f"SmoothL1({self.reduction}, beta={self.beta:g})"


class HuberLoss(ElementwiseLoss):
    r"""d = yhat - y;  l = 0.5 d**2 where |d| < delta, else delta (|d| - 0.5 delta)
    dl/dyhat = d where |d| < delta, else delta sign(d)   (torch.nn.HuberLoss(delta=1.0): SmoothL1 times delta)"""

    name = "Huber"

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        self.delta = _non_negative("HuberLoss delta", delta)
        if self.delta == 0:
            raise ParityInputError("HuberLoss delta must be > 0 (torch: 'huber_loss does not support non-positive "
                                   "values for delta')")

    def terms(self, yhat, y):
        d = yhat - y
        t, a = d.dtype.type, np.abs(d)
        self.cache = {"d": d}
        return np.where(a < t(self.delta), t(0.5) * d * d, t(self.delta) * (a - t(0.5) * t(self.delta)))

    def slope(self):
        d = self.cache["d"]
        t = d.dtype.type
        return np.where(d < -t(self.delta), -t(self.delta), np.where(d > t(self.delta), t(self.delta), d))

    def describe(self) -> str:
        return f"Huber({self.reduction}, delta={self.delta:g})"
