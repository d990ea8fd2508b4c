"""Losses with value and gradient, torch's names, arguments and reductions. The reduction comes first:
factor-of-N bugs live there."""
from __future__ import annotations

from ..validate import lookup
from .base import REDUCTIONS, ElementwiseLoss
from .bce import BCELoss, BCEWithLogitsLoss
from .cross_entropy import CrossEntropyLoss, NLLLoss, log_softmax
from .mse import MSE_REDUCTIONS, MSELoss
from .robust import HuberLoss, L1Loss, SmoothL1Loss

LOSSES = {
    "mse": lambda: MSELoss("mean"),
    "sum": lambda: MSELoss("sum"),
    "half_sum": lambda: MSELoss("half_sum"),
    "half_mse": lambda: MSELoss("half_mean"),
    "half_sum_mean": lambda: MSELoss("half_sum_mean"),
    "bce": lambda: BCELoss("mean"),
    "bce_sum": lambda: BCELoss("sum"),
    "bce_with_logits": lambda: BCEWithLogitsLoss("mean"),
    "cross_entropy": lambda: CrossEntropyLoss(reduction="mean"),
    "cross_entropy_sum": lambda: CrossEntropyLoss(reduction="sum"),
    "nll": lambda: NLLLoss(reduction="mean"),
    "l1": lambda: L1Loss("mean"),
    "smooth_l1": lambda: SmoothL1Loss("mean"),
    "huber": lambda: HuberLoss("mean"),
}


def make_loss(name: str):
    """A loss by name: mse (mean, as torch.nn.MSELoss), sum, half_sum, half_mse (0.5 * mean), half_sum_mean
    ((1/N) sum 0.5 |yhat - y|**2), bce, bce_sum, bce_with_logits, cross_entropy, cross_entropy_sum, nll,
    l1, smooth_l1, huber (each with torch's default arguments)."""
    return lookup("loss", name, LOSSES)()


__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "ElementwiseLoss", "HuberLoss", "L1Loss", "LOSSES",
           "MSELoss", "MSE_REDUCTIONS", "NLLLoss", "REDUCTIONS", "SmoothL1Loss", "log_softmax", "make_loss"]
