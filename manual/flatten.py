"""Flatten: a reshape, as torch.nn.Flatten."""
from __future__ import annotations

import numpy as np

from .errors import ShapeError


def _axis(dim: int, ndim: int) -> int:
    """dim in [-ndim, ndim) as a non-negative axis, else torch's IndexError wording (as a ShapeError)."""
    if not -ndim <= dim < ndim:
        raise ShapeError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")
    return dim % ndim


class Flatten:
    r"""y = x.reshape(x.shape[:start] + (prod(x.shape[start:end + 1]),) + x.shape[end + 1:]).

    Backward: dL/dx = dy.reshape(x.shape). No parameters.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)
        self.params, self.grads, self.cache = {}, {}, {}

    def output_shape(self, shape: tuple) -> tuple:
        ndim = max(len(shape), 1)
        start, end = _axis(self.start_dim, ndim), _axis(self.end_dim, ndim)
        if start > end:
            raise ShapeError("flatten() has invalid args: start_dim cannot come after end_dim")
        shape = tuple(shape) or (1,)
        return shape[:start] + (int(np.prod(shape[start:end + 1])),) + shape[end + 1:]

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.cache = {"x_shape": x.shape}
        return x.reshape(self.output_shape(x.shape))

    def backward(self, dy: np.ndarray) -> np.ndarray:
        x_shape = self.cache["x_shape"]
        if dy.shape != self.output_shape(x_shape):
            raise ShapeError(f"Flatten dy has shape {dy.shape}, expected {self.output_shape(x_shape)}")
        return dy.reshape(x_shape)

    def describe(self) -> str:
        return f"Flatten({self.start_dim}, {self.end_dim})"
