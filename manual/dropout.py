"""Inverted dropout whose mask can be shared with the torch twin, so parity is exact."""
from __future__ import annotations

import numpy as np

from .errors import ParityInputError, ShapeError
from .mode import TrainEval


def check_p(p) -> float:
    """A dropout probability in [0, 1], else torch's message."""
    if not isinstance(p, (int, float, np.floating)) or isinstance(p, bool) or not 0.0 <= p <= 1.0:
        raise ParityInputError(f"dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def draw_mask(rng: np.random.Generator, shape: tuple, p: float) -> np.ndarray:
    """Boolean keep-mask, each entry True with probability 1 - p (one uniform draw per entry)."""
    return rng.random(shape) >= p


def keep_scale(mask: np.ndarray, p: float, dtype) -> np.ndarray:
    """torch's noise tensor: mask / (1 - p) in `dtype`; all zeros for p == 1 (torch multiplies by 0)."""
    dt = np.dtype(dtype)
    if p == 1.0:
        return np.zeros(mask.shape, dt)
    return mask.astype(dt) / dt.type(1.0 - p)


class Dropout(TrainEval):
    r"""Training: y = x * mask / (1 - p), mask ~ Bernoulli(1 - p) per element.  Evaluation (or p == 0): y = x.
    p == 1: y = x * 0.  Backward: dL/dx = dy * mask / (1 - p) (dy in evaluation).

    The mask of a call is, first found: forward(x, mask=...), the fixed `layer.mask` if set, else a fresh
    draw_mask from `self.rng` (np.random.default_rng(seed)). The mask used is kept in `last_mask`.
    torch's own RNG cannot reproduce it, so the torch twin (torch_ref/layers.py MaskedDropout) is a small
    nn.Module computing x * (mask / (1 - p)) in torch from the same mask: the same explicit mask, or its own
    NumPy generator seeded alike, drawing the same masks call for call.
    """

    params: dict = {}
    grads: dict = {}

    def __init__(self, p: float = 0.5, inplace: bool = False, *, seed: int | None = None):
        self.p = check_p(p)
        if inplace:
            raise ParityInputError("Dropout(inplace=True) is not supported: it would overwrite the caller's array")
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.mask: np.ndarray | None = None
        self.last_mask: np.ndarray | None = None
        self.params, self.grads, self.cache = {}, {}, {}

    def choose_mask(self, shape: tuple, mask: np.ndarray | None = None) -> np.ndarray:
        """The mask for one call of this shape (see the class docstring for the order)."""
        mask = self.mask if mask is None else mask
        if mask is None:
            return draw_mask(self.rng, shape, self.p)
        mask = np.asarray(mask)
        if mask.shape != tuple(shape):
            raise ShapeError(f"dropout mask has shape {mask.shape}, expected the input's {tuple(shape)}")
        if mask.dtype != bool and not np.isin(mask, (0, 1)).all():
            raise ParityInputError("dropout mask must hold only 0/1 or True/False")
        return mask.astype(bool)

    def output_shape(self, shape: tuple) -> tuple:
        return tuple(shape)

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        if not self.training or self.p == 0.0:
            self.cache = {"scale": None}
            return x
        self.last_mask = self.choose_mask(x.shape, mask)
        scale = keep_scale(self.last_mask, self.p, x.dtype)
        self.cache = {"scale": scale}
        return x * scale

    def backward(self, dy: np.ndarray) -> np.ndarray:
        scale = self.cache["scale"]
        return dy if scale is None else dy * scale

    def describe(self) -> str:
        return f"Dropout({self.p})"
