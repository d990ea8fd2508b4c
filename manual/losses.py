"""Losses with value and gradient. The reduction comes first: factor-of-N bugs live there."""
from __future__ import annotations

import numpy as np

from .errors import ShapeError, UnknownNameError
from .validate import check_array, lookup

MSE_REDUCTIONS = ("mean", "sum", "half_sum")


def _check_pair(yhat: np.ndarray, y: np.ndarray) -> None:
    check_array("prediction", yhat, finite=False)
    check_array("target", y, dtype=yhat.dtype, finite=False)
    if yhat.shape != y.shape:  # (N, 1) - (N,) would broadcast to (N, N): refuse, never guess
        raise ShapeError(f"prediction has shape {yhat.shape} but target has shape {y.shape}; "
                         f"they must match exactly (a (N,1) vs (N,) pair broadcasts to (N,N))")


class MSELoss:
    r"""Squared error with a named reduction, over all N elements:

    mean:     L = sum((yhat - y)**2) / N      dL/dyhat = 2 (yhat - y) / N   (torch.nn.MSELoss())
    sum:      L = sum((yhat - y)**2)          dL/dyhat = 2 (yhat - y)       (reduction='sum')
    half_sum: L = 0.5 * sum((yhat - y)**2)    dL/dyhat = yhat - y           (seeds 000 and 004)
    """

    def __init__(self, reduction: str = "mean"):
        if reduction not in MSE_REDUCTIONS:
            raise UnknownNameError(f"unknown MSE reduction {reduction!r}; known: {', '.join(MSE_REDUCTIONS)}")
        self.reduction = reduction
        self.cache: dict = {}

    def forward(self, yhat: np.ndarray, y: np.ndarray) -> np.ndarray:
        _check_pair(yhat, y)
        diff = yhat - y
        self.cache = {"diff": diff}
        sq = diff * diff
        if self.reduction == "mean":
            return sq.mean()
        total = sq.sum()
        return total if self.reduction == "sum" else total * yhat.dtype.type(0.5)

    def backward(self) -> np.ndarray:
        diff = self.cache["diff"]
        if self.reduction == "half_sum":
            return diff.copy()
        two = diff.dtype.type(2)
        return two * diff / diff.dtype.type(diff.size) if self.reduction == "mean" else two * diff

    def describe(self) -> str:
        return f"MSE({self.reduction})"


class BCELoss:
    r"""Binary cross-entropy on probabilities p, as torch.nn.BCELoss:

    l_i = -(y_i log p_i + (1 - y_i) log(1 - p_i)), each log clamped at -100 (torch's rule)
    mean: L = sum(l) / N      sum: L = sum(l)
    dL/dp_i = (p_i - y_i) / max(p_i (1 - p_i), 1e-12), divided by N for mean (torch's backward formula).
    """

    EPS = float(np.float32(1e-12))  # torch's constant is a float32 1e-12 (9.99999996e-13)

    def __init__(self, reduction: str = "mean"):
        if reduction not in ("mean", "sum"):
            raise UnknownNameError(f"unknown BCE reduction {reduction!r}; known: mean, sum")
        self.reduction = reduction
        self.cache: dict = {}

    def forward(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        _check_pair(p, y)
        if not ((p >= 0) & (p <= 1)).all():  # written so that NaN fails too
            raise ShapeError("BCELoss needs probabilities in [0, 1] (no NaN): put a sigmoid on the output layer")
        t = p.dtype.type
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), t(-100))
            log_1mp = np.maximum(np.log1p(-p), t(-100))
        self.cache = {"p": p, "y": y}
        terms = -(y * log_p + (t(1) - y) * log_1mp)
        return terms.mean() if self.reduction == "mean" else terms.sum()

    def backward(self) -> np.ndarray:
        p, y = self.cache["p"], self.cache["y"]
        t = p.dtype.type
        dp = (p - y) / np.maximum((t(1) - p) * p, t(self.EPS))
        return dp / t(p.size) if self.reduction == "mean" else dp

    def describe(self) -> str:
        return f"BCE({self.reduction})"


LOSSES = {
    "mse": lambda: MSELoss("mean"),
    "sum": lambda: MSELoss("sum"),
    "half_sum": lambda: MSELoss("half_sum"),
    "bce": lambda: BCELoss("mean"),
    "bce_sum": lambda: BCELoss("sum"),
}


def make_loss(name: str):
    """mse (mean, as torch.nn.MSELoss), sum, half_sum, bce (as torch.nn.BCELoss), bce_sum."""
    return lookup("loss", name, LOSSES)()
