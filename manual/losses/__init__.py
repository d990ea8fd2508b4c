"""Losses with value and gradient, torch's names, arguments and reductions. The reduction comes first:
factor-of-N bugs live there."""
from __future__ import annotations

from .base import REDUCTIONS, ElementwiseLoss
from .bce import BCELoss, BCEWithLogitsLoss
from .cross_entropy import CrossEntropyLoss, NLLLoss, log_softmax
from .mse import MSE_REDUCTIONS, MSELoss
from .registry import LOSSES, REGISTRY, LossOp, loss_op, make_loss
from .robust import HuberLoss, L1Loss, SmoothL1Loss


__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "ElementwiseLoss", "HuberLoss", "L1Loss", "LOSSES",
           "LossOp", "MSELoss", "MSE_REDUCTIONS", "NLLLoss", "REDUCTIONS", "REGISTRY", "SmoothL1Loss", "log_softmax",
           "loss_op", "make_loss"]
