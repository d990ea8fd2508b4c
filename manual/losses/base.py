"""What every loss shares: torch's reductions, and the checks on a prediction/target pair."""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError, UnknownNameError
from ..validate import check_array

REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction: str, known: tuple = REDUCTIONS) -> str:
    if reduction not in known:
        raise UnknownNameError(f"unknown reduction {reduction!r}; known: {', '.join(known)}")
    return reduction


def check_pair(yhat: np.ndarray, y: np.ndarray) -> None:
    """Same dtype and exactly the same shape: (N, 1) - (N,) would broadcast to (N, N)."""
    check_array("prediction", yhat, finite=False)
    check_array("target", y, dtype=yhat.dtype, finite=False)
    if yhat.shape != y.shape:
        raise ShapeError(f"target size {y.shape} is not the input size (the prediction's) {yhat.shape}: they must "
                         f"match exactly (nothing is broadcast: a (N,1) vs (N,) pair would become (N,N))")


class ElementwiseLoss:
    r"""L = reduce(l(yhat, y)) over every element; dL/dyhat = reduce'(dl/dyhat).

    mean: L = sum(l) / M (M elements)    sum: L = sum(l)    none: L = l, and backward(grad) takes dL/dl.
    Subclasses give `terms(yhat, y) -> l` and `slope() -> dl/dyhat` from what terms cached.
    """

    name = "loss"

    def __init__(self, reduction: str = "mean"):
        self.reduction = check_reduction(reduction)
        self.cache: dict = {}

    def forward(self, yhat: np.ndarray, y: np.ndarray) -> np.ndarray:
        check_pair(yhat, y)
        terms = self.terms(yhat, y)
        self.cache["size"] = terms.size
        if self.reduction == "none":
            return terms
        return terms.mean() if self.reduction == "mean" else terms.sum()

    def backward(self, grad: np.ndarray | None = None) -> np.ndarray:
        """dL/dyhat; with reduction 'none', `grad` is dL/dl (ones if not given)."""
        slope = self.slope()
        t = slope.dtype.type
        if self.reduction == "none":
            return slope if grad is None else slope * grad
        return slope / t(self.cache["size"]) if self.reduction == "mean" else slope

    def describe(self) -> str:
        return f"{self.name}({self.reduction})"
