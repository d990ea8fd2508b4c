"""Softmax and LogSoftmax over one axis, numerically stable (the row maximum subtracted first), as torch's
nn.Softmax(dim) / nn.LogSoftmax(dim) and their CPU kernels: softmax = exp(x - max) * (1 / sum), log_softmax =
(x - max) - log(sum(exp(x - max))).  Not element-wise: every output depends on the whole row, so backward is
the full Jacobian-vector product, never f'(x) * dy."""
from __future__ import annotations

import numbers

import numpy as np

from .errors import ParityInputError, ShapeError


def _shifted(x: np.ndarray, axis: int) -> np.ndarray:
    """x - max(x) along `axis`: every exponent <= 0, so exp never overflows."""
    return x - x.max(axis=axis, keepdims=True)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """s = exp(x - max) / sum(exp(x - max)) along `axis` (multiplied by the reciprocal, as torch's kernel)."""
    e = np.exp(_shifted(x, axis))
    return e * (x.dtype.type(1) / e.sum(axis=axis, keepdims=True))


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """log s = (x - max) - log(sum(exp(x - max))) along `axis`."""
    shifted = _shifted(x, axis)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _check_dim(dim) -> int:
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise ParityInputError(f"dim must be an integer (the axis to normalise over), got {dim!r}")
    return int(dim)


class _RowNormalised:
    """Shared by Softmax and LogSoftmax: no parameters, `dim` checked against the input's rank."""

    def __init__(self, dim: int = -1):
        self.dim = _check_dim(dim)
        self.params, self.grads, self.cache = {}, {}, {}

    def _axis(self, x: np.ndarray) -> int:
        if not -x.ndim <= self.dim < x.ndim:
            raise ShapeError(f"Dimension out of range (expected to be in range of [{-x.ndim}, {x.ndim - 1}], "
                             f"but got {self.dim})")
        return self.dim

    def describe(self) -> str:
        return f"{type(self).__name__}(dim={self.dim})"


class Softmax(_RowNormalised):
    r"""s = exp(x) / sum_j exp(x_j) along `dim` (default the last axis; torch's dim=None default picks one
    implicitly with a warning, so here it is explicit).
    Backward: dL/dx = s * (dy - sum_j(dy_j s_j)), the Jacobian diag(s) - s s^T applied to dy, using cached s."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        s = softmax(x, self._axis(x))
        self.cache = {"s": s}
        return s

    def backward(self, dy: np.ndarray) -> np.ndarray:
        s = self.cache["s"]
        return s * (dy - (dy * s).sum(axis=self.dim, keepdims=True))


class LogSoftmax(_RowNormalised):
    r"""y = x - log(sum_j exp(x_j)) along `dim` (default the last axis).
    Backward: dL/dx = dy - exp(y) * sum_j dy_j, using cached y (the Jacobian I - 1 s^T applied to dy)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = log_softmax(x, self._axis(x))
        self.cache = {"y": y}
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy - np.exp(self.cache["y"]) * dy.sum(axis=self.dim, keepdims=True)
