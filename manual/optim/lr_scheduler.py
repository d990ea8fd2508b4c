"""Learning-rate schedules, stepped once per epoch, producing torch.optim.lr_scheduler's exact sequence
(torch's recursive form, which each step computes from the current lr, not its closed form)."""
from __future__ import annotations

import math
import numbers

from ..errors import ParityInputError
from .base import Optimizer, check_number


def _positive_int(what: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ParityInputError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


class LRScheduler:
    """Sets optimizer.lr at each step(); last_epoch counts the steps taken (0 at construction)."""

    def __init__(self, optimizer: Optimizer):
        if not isinstance(getattr(optimizer, "lr", None), float):
            raise ParityInputError(f"a schedule needs a manual optimizer with an lr, got {optimizer!r}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self._last_lr = [optimizer.lr]

    def step(self) -> None:
        """Call after each epoch: last_epoch += 1, then lr = get_lr()."""
        self.last_epoch += 1
        self.optimizer.lr = self.get_lr()
        self._last_lr = [self.optimizer.lr]

    def get_lr(self) -> float:
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """[the lr set by the last step], a one-element list as torch's (one entry per param group)."""
        return list(self._last_lr)


class StepLR(LRScheduler):
    r"""torch.optim.lr_scheduler.StepLR(optimizer, step_size, gamma=0.1): lr <- gamma lr at every epoch
    that is a multiple of step_size."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        self.step_size = _positive_int("step_size", step_size)
        self.gamma = check_number("gamma value", gamma, low=-math.inf)
        super().__init__(optimizer)

    def get_lr(self) -> float:
        lr = self.optimizer.lr
        return lr if self.last_epoch % self.step_size != 0 else lr * self.gamma


class CosineAnnealingLR(LRScheduler):
    r"""torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max, eta_min=0), recursively, as torch:

    e = last_epoch;  if (e - 1 - T_max) % (2 T_max) == 0: lr <- lr + (base_lr - eta_min)(1 - cos(pi / T_max)) / 2
    else: lr <- (1 + cos(pi e / T_max)) / (1 + cos(pi (e - 1) / T_max)) (lr - eta_min) + eta_min
    (closed form eta_min + (base_lr - eta_min)(1 + cos(pi e / T_max)) / 2, up to rounding; periodic in 2 T_max).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):
        self.T_max = _positive_int("T_max", T_max)
        self.eta_min = check_number("eta_min value", eta_min, low=-math.inf)
        super().__init__(optimizer)

    def get_lr(self) -> float:
        e, T, lr = self.last_epoch, self.T_max, self.optimizer.lr
        if (e - 1 - T) % (2 * T) == 0:
            return lr + (self.base_lr - self.eta_min) * (1 - math.cos(math.pi / T)) / 2
        ratio = (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
        return ratio * (lr - self.eta_min) + self.eta_min
