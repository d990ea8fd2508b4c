"""Adam and AdamW, as torch.optim.Adam / AdamW compute them one tensor at a time (foreach=False)."""
from __future__ import annotations

import numpy as np

from .base import Optimizer, check_betas, check_flag, check_number
from .ops import add, addcdiv_, addcmul_, lerp_, scalar


class Adam(Optimizer):
    r"""torch.optim.Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False).

    t <- t + 1 (the first step has t = 1);  g = -grad if maximize else grad;  g = g + weight_decay p
    m <- lerp(m, g, 1 - beta1);  v <- beta2 v + (1 - beta2) g g;  vmax <- max(vmax, v) (amsgrad: v := vmax)
    p <- p - [lr / (1 - beta1^t)] m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """

    HYPER = ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize")
    decoupled = False  # AdamW: p <- p (1 - lr weight_decay) before the moments, instead of g += weight_decay p

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, maximize: bool = False):
        super().__init__()
        self.lr = check_number("learning rate", lr)
        self.eps = check_number("epsilon value", eps)
        self.betas = check_betas(betas)
        self.weight_decay = check_number("weight_decay value", weight_decay)
        self.amsgrad = check_flag("amsgrad", amsgrad)
        self.maximize = check_flag("maximize", maximize)

    def update(self, p: np.ndarray, grad: np.ndarray, state: dict) -> None:
        beta1, beta2 = self.betas
        if not state:
            state.update(step=0.0, exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
            if self.amsgrad:
                state["max_exp_avg_sq"] = np.zeros_like(p)
        g = -grad if self.maximize else grad
        state["step"] += 1
        step = state["step"]
        if self.weight_decay != 0:
            if self.decoupled:
                p *= scalar(p, 1 - self.lr * self.weight_decay)
            else:
                g = add(g, p, self.weight_decay)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        lerp_(m, g, 1 - beta1)
        v *= scalar(v, beta2)
        addcmul_(v, g, g, 1 - beta2)
        step_size = self.lr / (1 - beta1 ** step)
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        if self.amsgrad:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        denom = np.sqrt(v) / scalar(v, bias_correction2_sqrt) + scalar(v, self.eps)
        addcdiv_(p, m, denom, -step_size)


class AdamW(Adam):
    r"""torch.optim.AdamW(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False).

    Adam with decoupled weight decay: p <- p (1 - lr weight_decay) first, then Adam's step without it.
    """

    decoupled = True

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, maximize: bool = False):
        super().__init__(lr, betas, eps, weight_decay, amsgrad, maximize)
