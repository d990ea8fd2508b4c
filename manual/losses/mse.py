"""Squared error, with torch's reductions and the half-conventions tutorials use."""
from __future__ import annotations

import numpy as np

from .base import check_pair, check_reduction

MSE_REDUCTIONS = ("mean", "sum", "none", "half_sum", "half_mean", "half_sum_mean")


class MSELoss:
    r"""Squared error (yhat - y)**2 with a named reduction, over all M = N*K elements of (N, K):

    mean:          L = sum((yhat - y)**2) / M         dL/dyhat = 2 (yhat - y) / M   (torch.nn.MSELoss())
    sum:           L = sum((yhat - y)**2)             dL/dyhat = 2 (yhat - y)       (reduction='sum')
    none:          L = (yhat - y)**2 per element      dL/dyhat = 2 (yhat - y) * grad
    half_sum:      L = 0.5 * sum((yhat - y)**2)       dL/dyhat = yhat - y           (seeds 000 and 004)
    half_mean:     L = 0.5 * sum((yhat - y)**2) / M   dL/dyhat = (yhat - y) / M     (0.5 * mean, a tutorial cost)
    half_sum_mean: L = 0.5 * sum((yhat - y)**2) / N   dL/dyhat = (yhat - y) / N     (Nielsen's quadratic cost)
    """

    def __init__(self, reduction: str = "mean"):
        self.reduction = check_reduction(reduction, MSE_REDUCTIONS)
        self.cache: dict = {}

    def forward(self, yhat: np.ndarray, y: np.ndarray) -> np.ndarray:
        if not (type(yhat) is np.ndarray and type(y) is np.ndarray and y.dtype == yhat.dtype
                and y.shape == yhat.shape):
            check_pair(yhat, y)         # the full check only to name what is wrong
        diff = yhat - y
        self.cache = {"diff": diff}
        sq = diff * diff
        if self.reduction == "mean":    # sq.mean() as NumPy computes it (sum, / the count as intp, cast back)
            total = np.add.reduce(sq, axis=None)
            return total.dtype.type(total / np.intp(sq.size))
        half = yhat.dtype.type(0.5)
        if self.reduction == "none":
            return sq
        total = sq.sum()
        if self.reduction == "sum":
            return total
        if self.reduction == "half_sum":
            return total * half
        return total * half / yhat.dtype.type(diff.size if self.reduction == "half_mean" else diff.shape[0])

    def backward(self, grad: np.ndarray | None = None) -> np.ndarray:
        diff = self.cache["diff"]
        t = diff.dtype.type
        if self.reduction == "mean":
            return diff * 2.0 / diff.size       # Python numbers take diff's dtype (NEP 50): 2 (yhat - y) / M
        if self.reduction == "half_sum":
            return diff.copy()
        if self.reduction in ("half_mean", "half_sum_mean"):
            return diff / t(diff.size if self.reduction == "half_mean" else diff.shape[0])
        two = t(2)
        if self.reduction == "none":
            return two * diff if grad is None else two * diff * grad
        return two * diff

    def describe(self) -> str:
        return f"MSE({self.reduction})"
