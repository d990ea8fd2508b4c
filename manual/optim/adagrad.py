"""Adagrad, as torch.optim.Adagrad computes it one tensor at a time (foreach=False, dense gradients)."""
from __future__ import annotations

import numpy as np

from .base import Optimizer, check_flag, check_number
from .ops import add, addcdiv_, addcmul_


class Adagrad(Optimizer):
    r"""torch.optim.Adagrad(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
    maximize=False).

    t <- t + 1;  g = -grad if maximize else grad;  g = g + weight_decay p
    clr = lr / (1 + (t - 1) lr_decay);  s <- s + g g  (s starts at initial_accumulator_value)
    p <- p - clr g / (sqrt(s) + eps)
    """

    HYPER = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize")

    def __init__(self, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, maximize: bool = False):
        super().__init__()
        self.lr = check_number("learning rate", lr)
        self.lr_decay = check_number("lr_decay value", lr_decay)
        self.weight_decay = check_number("weight_decay value", weight_decay)
        self.initial_accumulator_value = check_number("initial_accumulator_value value", initial_accumulator_value)
        self.eps = check_number("epsilon value", eps)
        self.maximize = check_flag("maximize", maximize)

    def update(self, p: np.ndarray, grad: np.ndarray, state: dict) -> None:
        if not state:
            state.update(step=0.0, sum=np.full_like(p, self.initial_accumulator_value))
        state["step"] += 1
        g = -grad if self.maximize else grad
        if self.weight_decay != 0:
            g = add(g, p, self.weight_decay)
        clr = self.lr / (1 + (state["step"] - 1) * self.lr_decay)
        s = state["sum"]
        addcmul_(s, g, g, 1)
        std = np.sqrt(s)
        std += std.dtype.type(self.eps)
        addcdiv_(p, g, std, -clr)
