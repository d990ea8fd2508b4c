"""torch twins of manual's losses: the same formula, reduction and arguments, computed by torch. Which twin
and which arguments is the loss registry's (manual/losses/registry.py); the conventions torch has no class
for (the tutorials' half-sums) are here."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from manual.errors import ArchitectureMismatch
from manual.losses.registry import twin_entry


class HalfSumLoss(nn.Module):
    """L = 0.5 * sum((yhat - y)**2): the loss that seeds 000 and 004 differentiate implicitly."""

    def forward(self, yhat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return 0.5 * ((yhat - y) ** 2).sum()


class ScaledMSELoss(nn.Module):
    """L = 0.5 * sum((yhat - y)**2) / divisor: reduction 'half_mean' divides by every element (0.5 * mean),
    'half_sum_mean' by the batch size N (Nielsen's quadratic cost)."""

    def __init__(self, reduction: str = "half_mean"):
        super().__init__()
        if reduction not in ("half_mean", "half_sum_mean"):
            raise ValueError(f"ScaledMSELoss reduction must be 'half_mean' or 'half_sum_mean', got {reduction!r}")
        self.reduction = reduction

    def forward(self, yhat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        divisor = yhat.numel() if self.reduction == "half_mean" else yhat.shape[0]
        return 0.5 * ((yhat - y) ** 2).sum() / divisor


class PerDtype(nn.Module):
    """A torch loss whose tensor arguments (class weights, pos_weight) must match the input's dtype and device:
    built on first use for each (dtype, device)."""

    def __init__(self, make: Callable[[torch.dtype], nn.Module]):
        super().__init__()
        self.make, self.built = make, {}

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        key = (x.dtype, x.device)
        if key not in self.built:
            self.built[key] = self.make(x.dtype).to(x.device)
        return self.built[key](x, y)


OWN_TWINS = {"HalfSumLoss": HalfSumLoss, "ScaledMSELoss": ScaledMSELoss}


def _tensor(a, dtype: torch.dtype):
    """An array argument as a tensor of the input's dtype; anything else unchanged."""
    return torch.from_numpy(np.ascontiguousarray(a)).to(dtype) if isinstance(a, np.ndarray) else a


def mirror_loss(loss) -> nn.Module:
    """torch loss with the same formula, reduction and arguments as a manual loss."""
    op = twin_entry(loss)
    if op is None:
        raise ArchitectureMismatch(f"no torch twin for loss {loss!r}: its class is in no entry of "
                                   "manual/losses/registry.py")
    cls = OWN_TWINS[op.torch] if op.torch in OWN_TWINS else getattr(nn, op.torch)
    kwargs = {k: getattr(loss, k) for k in op.torch_args}
    if any(isinstance(v, np.ndarray) for v in kwargs.values()):
        return PerDtype(lambda dt: cls(**{k: _tensor(v, dt) for k, v in kwargs.items()}))
    return cls(**kwargs)
