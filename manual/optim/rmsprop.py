"""RMSprop, as torch.optim.RMSprop computes it one tensor at a time (foreach=False)."""
from __future__ import annotations

import numpy as np

from .base import Optimizer, check_flag, check_number
from .ops import add, addcdiv_, addcmul_, lerp_, scalar


class RMSprop(Optimizer):
    r"""torch.optim.RMSprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
    maximize=False).

    g = -grad if maximize else grad;  g = g + weight_decay p;  v <- alpha v + (1 - alpha) g g
    centered: gbar <- lerp(gbar, g, 1 - alpha), avg = sqrt(v - gbar gbar) + eps;  else avg = sqrt(v) + eps
    momentum > 0: b <- momentum b + g / avg, p <- p - lr b;  else p <- p - lr g / avg
    """

    HYPER = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")

    def __init__(self, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, maximize: bool = False):
        super().__init__()
        self.lr = check_number("learning rate", lr)
        self.eps = check_number("epsilon value", eps)
        self.momentum = check_number("momentum value", momentum)
        self.weight_decay = check_number("weight_decay value", weight_decay)
        self.alpha = check_number("alpha value", alpha)
        self.centered = check_flag("centered", centered)
        self.maximize = check_flag("maximize", maximize)

    def update(self, p: np.ndarray, grad: np.ndarray, state: dict) -> None:
        if not state:
            state.update(step=0.0, square_avg=np.zeros_like(p))
            if self.momentum > 0:
                state["momentum_buffer"] = np.zeros_like(p)
            if self.centered:
                state["grad_avg"] = np.zeros_like(p)
        g = -grad if self.maximize else grad
        state["step"] += 1
        if self.weight_decay != 0:
            g = add(g, p, self.weight_decay)
        v = state["square_avg"]
        v *= scalar(v, self.alpha)
        addcmul_(v, g, g, 1 - self.alpha)
        if self.centered:
            gbar = state["grad_avg"]
            lerp_(gbar, g, 1 - self.alpha)
            avg = v.copy()
            addcmul_(avg, gbar, gbar, -1)
            avg = np.sqrt(avg)
        else:
            avg = np.sqrt(v)
        avg += scalar(avg, self.eps)
        if self.momentum > 0:
            buf = state["momentum_buffer"]
            buf *= scalar(buf, self.momentum)
            addcdiv_(buf, g, avg, 1)
            p -= scalar(p, self.lr) * buf
        else:
            addcdiv_(p, g, avg, -self.lr)
