"""Binary cross-entropy: on probabilities (after a sigmoid) and on logits (the sigmoid folded in)."""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..validate import check_array
from .base import ElementwiseLoss, check_pair, check_reduction


class BCELoss:
    r"""Binary cross-entropy on probabilities p, as torch.nn.BCELoss:

    l_i = -(y_i log p_i + (1 - y_i) log(1 - p_i)), each log clamped at -100 (torch's rule)
    mean: L = sum(l) / N      sum: L = sum(l)      none: L = l
    dL/dp_i = (p_i - y_i) / max(p_i (1 - p_i), 1e-12), divided by N for mean (torch's backward formula).
    """

    EPS = float(np.float32(1e-12))  # torch's constant is a float32 1e-12 (9.99999996e-13)

    def __init__(self, reduction: str = "mean"):
        self.reduction = check_reduction(reduction)
        self.cache: dict = {}

    def forward(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        check_pair(p, y)
        if not ((p >= 0) & (p <= 1)).all():  # written so that NaN fails too
            raise ShapeError("all elements of input should be between 0 and 1 (no NaN): BCELoss takes probabilities, "
                             "so put a sigmoid on the output layer (or use BCEWithLogitsLoss on the logits)")
        t = p.dtype.type
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), t(-100))
            log_1mp = np.maximum(np.log1p(-p), t(-100))
        self.cache = {"p": p, "y": y}
        terms = -(y * log_p + (t(1) - y) * log_1mp)
        if self.reduction == "none":
            return terms
        return terms.mean() if self.reduction == "mean" else terms.sum()

    def backward(self, grad: np.ndarray | None = None) -> np.ndarray:
        p, y = self.cache["p"], self.cache["y"]
        t = p.dtype.type
        dp = (p - y) / np.maximum((t(1) - p) * p, t(self.EPS))
        if self.reduction == "none":
            return dp if grad is None else dp * grad
        return dp / t(p.size) if self.reduction == "mean" else dp

    def describe(self) -> str:
        return f"BCE({self.reduction})"


class BCEWithLogitsLoss(ElementwiseLoss):
    r"""Binary cross-entropy on logits x, stable for any |x| (torch.nn.BCEWithLogitsLoss):

    l = (1 - y) x + w_p (log(1 + exp(-|x|)) + max(-x, 0)),   w_p = 1 + (pos_weight - 1) y
      = -(pos_weight y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))
    dl/dx = (1 - y) sigmoid(x) - pos_weight y (1 - sigmoid(x)) = w_p sigmoid(x) - pos_weight y
    pos_weight broadcasts over the last axis (one per output), as torch's.
    """

    name = "BCEWithLogits"

    def __init__(self, reduction: str = "mean", pos_weight: np.ndarray | None = None):
        super().__init__(reduction)
        self.pos_weight = None if pos_weight is None else check_array("pos_weight", np.asarray(pos_weight))

    def terms(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        t = x.dtype.type
        pw = t(1) if self.pos_weight is None else self.pos_weight.astype(x.dtype)
        w = t(1) + (pw - t(1)) * y
        self.cache = {"x": x, "y": y, "w": w, "pw": pw}
        return (t(1) - y) * x + w * (np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, t(0)))

    def slope(self) -> np.ndarray:
        x, y, w, pw = (self.cache[k] for k in ("x", "y", "w", "pw"))
        t = x.dtype.type
        with np.errstate(over="ignore"):
            s = t(1) / (t(1) + np.exp(-x))
        return w * s - pw * y
