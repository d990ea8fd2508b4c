"""Plain SGD, in place, as torch.optim.SGD with no momentum, dampening or weight decay."""
from __future__ import annotations

import math
import numbers

from .errors import ParityInputError


class SGD:
    r"""p <- p - lr * dL/dp for every parameter, in place (torch: p.add_(grad, alpha=-lr))."""

    def __init__(self, lr: float):
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr <= 0:
            raise ParityInputError(f"learning rate must be a positive finite number, got {lr!r}")
        self.lr = float(lr)

    def step(self, net) -> None:
        grads = net.grads
        for name, p in net.params.items():
            p -= p.dtype.type(self.lr) * grads[name]
