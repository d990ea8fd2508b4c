"""torch twins of manual's losses: the same formula, reduction and arguments, computed by torch."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

import manual
from manual.errors import ArchitectureMismatch


class HalfSumLoss(nn.Module):
    """L = 0.5 * sum((yhat - y)**2): the loss that seeds 000 and 004 differentiate implicitly."""

    def forward(self, yhat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return 0.5 * ((yhat - y) ** 2).sum()


class ScaledMSELoss(nn.Module):
    """L = 0.5 * sum((yhat - y)**2) / divisor: 'half_mean' divides by every element (0.5 * mean), 'half_sum_mean'
    by the batch size N (Nielsen's quadratic cost)."""

    def __init__(self, per: str):
        super().__init__()
        self.per = per

    def forward(self, yhat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        divisor = yhat.numel() if self.per == "element" else yhat.shape[0]
        return 0.5 * ((yhat - y) ** 2).sum() / divisor


class PerDtype(nn.Module):
    """A torch loss whose tensor arguments (class weights, pos_weight) must match the input's dtype: built on
    first use for each dtype."""

    def __init__(self, make: Callable[[torch.dtype], nn.Module]):
        super().__init__()
        self.make, self.built = make, {}

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if x.dtype not in self.built:
            self.built[x.dtype] = self.make(x.dtype)
        return self.built[x.dtype](x, y)


def _tensor(a: np.ndarray | None, dtype: torch.dtype) -> torch.Tensor | None:
    return None if a is None else torch.from_numpy(np.ascontiguousarray(a)).to(dtype)


def mirror_loss(loss) -> nn.Module:
    """torch loss with the same formula, reduction and arguments as a manual loss."""
    if isinstance(loss, manual.MSELoss):
        special = {"half_sum": HalfSumLoss, "half_mean": lambda: ScaledMSELoss("element"),
                   "half_sum_mean": lambda: ScaledMSELoss("sample")}
        return special[loss.reduction]() if loss.reduction in special else nn.MSELoss(reduction=loss.reduction)
    if isinstance(loss, manual.BCELoss):
        return nn.BCELoss(reduction=loss.reduction)
    if isinstance(loss, manual.BCEWithLogitsLoss):
        return PerDtype(lambda dt: nn.BCEWithLogitsLoss(reduction=loss.reduction,
                                                        pos_weight=_tensor(loss.pos_weight, dt)))
    if isinstance(loss, manual.CrossEntropyLoss):
        return PerDtype(lambda dt: nn.CrossEntropyLoss(weight=_tensor(loss.weight, dt), ignore_index=loss.ignore_index,
                                                       reduction=loss.reduction, label_smoothing=loss.label_smoothing))
    if isinstance(loss, manual.NLLLoss):
        return PerDtype(lambda dt: nn.NLLLoss(weight=_tensor(loss.weight, dt), ignore_index=loss.ignore_index,
                                              reduction=loss.reduction))
    if isinstance(loss, manual.L1Loss):
        return nn.L1Loss(reduction=loss.reduction)
    if isinstance(loss, manual.SmoothL1Loss):
        return nn.SmoothL1Loss(reduction=loss.reduction, beta=loss.beta)
    if isinstance(loss, manual.HuberLoss):
        return nn.HuberLoss(reduction=loss.reduction, delta=loss.delta)
    raise ArchitectureMismatch(f"no torch twin for loss {loss!r}")
