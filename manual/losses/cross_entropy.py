"""Softmax cross-entropy on logits and the negative log-likelihood on log-probabilities, as torch.

Notation for a batch of logits x (N, C): log p = log_softmax(x) = x - max - log(sum(exp(x - max))),
targets either class indices y (N,) (an integer array; `ignore_index` rows count for nothing) or
probabilities Y (N, C). Every gradient is taken first with respect to log p, G = dL/dlog p, and then
through log_softmax as torch's backward does: dL/dx = G - softmax(x) * sum_c G.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import DTypeError, ParityInputError, ShapeError
from ..softmax import log_softmax
from ..validate import check_array
from .base import check_reduction


def check_index_targets(y: np.ndarray, n: int, classes: int, ignore_index: int) -> np.ndarray:
    """(N,) integer class indices in [0, C), or ignore_index; a named error otherwise."""
    check_array("target", y, finite=False)
    if y.dtype.kind not in "iu":
        raise DTypeError(f"class-index target dtype is {y.dtype}: class indices must be an integer array "
                         f"(probability targets are float arrays of shape (N, C))")
    if y.ndim != 1:
        raise ShapeError(f"class-index targets have shape {y.shape}, expected ({n},): a 1D target of one class "
                         "index per sample (for probabilities give float targets of shape (N, C))")
    if y.shape != (n,):
        raise ShapeError(f"class-index targets have shape {y.shape}, expected ({n},): input batch_size ({n}) does "
                         f"not match target batch_size ({y.shape[0]})")
    bad = (y != ignore_index) & ((y < 0) | (y >= classes))
    if bad.any():
        i = int(np.argmax(bad))
        raise ParityInputError(f"class index {int(y[i])} at sample {i} is out of range [0, {classes}) "
                               f"(torch: 'Target {int(y[i])} is out of bounds.')")
    return y


class _ClassLoss:
    """Shared by CrossEntropyLoss and NLLLoss: inputs (N, C), targets, class weights, reductions."""

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean"):
        self.reduction = check_reduction(reduction)
        self.weight = None if weight is None else check_array("class weight", np.asarray(weight), ndim=1)
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral):
            raise ParityInputError(f"ignore_index must be an integer, got {ignore_index!r}")
        self.ignore_index = int(ignore_index)
        self.cache: dict = {}

    def _check_input(self, x: np.ndarray) -> None:
        check_array("input", x, ndim=2, finite=False)
        if self.weight is not None and self.weight.shape != (x.shape[1],):
            raise ShapeError(f"class weight has shape {self.weight.shape}, expected ({x.shape[1]},) for "
                             f"{x.shape[1]} classes")

    def _weights(self, x: np.ndarray) -> np.ndarray:
        return np.ones(x.shape[1], x.dtype) if self.weight is None else self.weight.astype(x.dtype)

    def _reduce(self, per_sample: np.ndarray, denominator) -> np.ndarray:
        if self.reduction == "none":
            return per_sample
        return per_sample.sum() if self.reduction == "sum" else per_sample.sum() / denominator

    def _scale(self, per_sample_grad: np.ndarray, denominator, grad) -> np.ndarray:
        """d reduce / d per-sample, applied to G rows."""
        if self.reduction == "none":
            return per_sample_grad if grad is None else per_sample_grad * grad.reshape(-1, 1)
        return per_sample_grad if self.reduction == "sum" else per_sample_grad / denominator


class NLLLoss(_ClassLoss):
    r"""Negative log-likelihood on log-probabilities x (N, C) with class indices y (N,):

    l_n = -w[y_n] x[n, y_n]  (0 where y_n == ignore_index)
    mean: L = sum(l) / sum_n w[y_n] (over rows not ignored)   sum: L = sum(l)   none: L = l
    dL/dx[n, c] = -w[y_n] [c == y_n] / (that denominator, for mean)   (torch.nn.NLLLoss)
    """

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self._check_input(x)
        check_index_targets(y, x.shape[0], x.shape[1], self.ignore_index)
        valid = y != self.ignore_index
        yi = np.where(valid, y, 0)
        wy = self._weights(x)[yi] * valid
        rows = np.arange(x.shape[0])
        self.cache = {"shape": x.shape, "dtype": x.dtype, "rows": rows, "yi": yi, "wy": wy, "den": wy.sum()}
        return self._reduce(-wy * x[rows, yi], self.cache["den"])

    def backward(self, grad: np.ndarray | None = None) -> np.ndarray:
        c = self.cache
        G = np.zeros(c["shape"], c["dtype"])
        G[c["rows"], c["yi"]] = -c["wy"]
        return self._scale(G, c["den"], grad)

    def describe(self) -> str:
        return f"NLL({self.reduction})"


class CrossEntropyLoss(_ClassLoss):
    r"""Softmax cross-entropy on logits x (N, C), as torch.nn.CrossEntropyLoss, with label smoothing eps:

    class indices y:  l_n = (1 - eps) (-w[y_n] log p[n, y_n]) + eps/C (-sum_c w_c log p[n, c])
        mean divides the first part by sum_n w[y_n] and the second by it too (by the count of rows not
        ignored when there are no weights), as torch does
    probabilities Y:  l_n = -sum_c w_c Y'[n, c] log p[n, c],  Y' = (1 - eps) Y + eps / C; mean divides by N
    dL/dx = G - softmax(x) sum_c G,  G = dL/dlog p   (with no weights or smoothing: (p - onehot(y)) / N)
    """

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(weight, ignore_index, reduction)
        if (isinstance(label_smoothing, bool) or not isinstance(label_smoothing, numbers.Real)
                or not math.isfinite(label_smoothing) or not 0.0 <= label_smoothing <= 1.0):
            raise ParityInputError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing!r}")
        self.label_smoothing = float(label_smoothing)

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self._check_input(x)
        logp = log_softmax(x)
        if y.dtype.kind == "f" and y.ndim == 2:      # a float (N,) is class indices in the wrong dtype
            G, den = self._probability_targets(x, y)
        else:
            G, den = self._index_targets(x, y)
        self.cache = {"p": np.exp(logp), "G": G, "den": den}
        return self._reduce((G * logp).sum(axis=1), den)

    def _probability_targets(self, x, Y):
        check_array("target", Y, dtype=x.dtype, shape=x.shape, finite=False)
        t, eps = x.dtype.type, self.label_smoothing
        if eps > 0:
            Y = Y * t(1 - eps) + t(eps / x.shape[1])
        return -(Y * self._weights(x)), t(x.shape[0])

    def _index_targets(self, x, y):
        n, classes = x.shape
        check_index_targets(y, n, classes, self.ignore_index)
        t, eps, w = x.dtype.type, self.label_smoothing, self._weights(x)
        valid = y != self.ignore_index
        yi = np.where(valid, y, 0)
        wy = w[yi] * valid
        G = np.zeros(x.shape, x.dtype)
        G[np.arange(n), yi] = -wy * t(1 - eps)
        if eps > 0:
            G -= (w * t(eps / classes)) * valid.reshape(-1, 1)
        return G, wy.sum()      # with no weights: the count of rows not ignored

    def backward(self, grad: np.ndarray | None = None) -> np.ndarray:
        c = self.cache
        G = self._scale(c["G"], c["den"], grad)
        return G - c["p"] * G.sum(axis=1, keepdims=True)

    def describe(self) -> str:
        extra = f", label_smoothing={self.label_smoothing:g}" if self.label_smoothing else ""
        return f"CrossEntropy({self.reduction}{extra})"
