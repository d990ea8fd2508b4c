"""SGD with torch.optim.SGD's options: momentum, dampening, weight decay, Nesterov, maximize."""
from __future__ import annotations

import numpy as np

from ..errors import ParityInputError
from ..flat_params import FlatParams
from .base import Optimizer, check_flag, check_number, named_params_and_grads
from .ops import add, scalar


class SGD(Optimizer):
    r"""torch.optim.SGD(lr, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False).

    g = -grad if maximize else grad;  g = g + weight_decay p
    momentum: b = g at the first step (not dampened), then b = momentum b + (1 - dampening) g;
              g = g + momentum b (nesterov) or g = b
    p <- p - lr g.  With no option set this is p -= lr * grad, as before, bit for bit, with lr * grad written
    into a scratch array kept between steps (one per parameter) instead of a new temporary each step.
    """

    HYPER = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")

    def __init__(self, lr: float, momentum: float = 0, dampening: float = 0, weight_decay: float = 0,
                 nesterov: bool = False, maximize: bool = False):
        super().__init__()
        self.lr = check_number("learning rate", lr)
        self.momentum = check_number("momentum value", momentum)
        self.dampening = check_number("dampening value", dampening, low=-np.inf)
        self.weight_decay = check_number("weight_decay value", weight_decay)
        self.nesterov = check_flag("nesterov", nesterov)
        self.maximize = check_flag("maximize", maximize)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ParityInputError("Nesterov momentum requires a momentum and zero dampening "
                                   f"(got momentum={self.momentum}, dampening={self.dampening})")
        self._scratch: dict[str, np.ndarray] = {}       # parameter name -> array for lr * grad; not state
        self._scratch_for: dict[str, np.ndarray] = {}   # parameter name -> the parameter its scratch was made for

    @property
    def plain(self) -> bool:
        """True when the update is p -= lr * grad (no momentum, weight decay or maximize)."""
        return self.momentum == 0 and self.weight_decay == 0 and not self.maximize

    def step(self, net) -> None:
        if not self.plain:
            return super().step(net)
        scratch, made_for, lr = self._scratch, self._scratch_for, float(self.lr)   # (a scheduler may set a NumPy float)
        flat = getattr(net, "flat_params", None)
        if isinstance(flat, FlatParams) and flat.live():     # every parameter and gradient in one flat array each: one update
            pairs = [("", flat.params, flat.grads)]
        else:
            pairs = named_params_and_grads(net)
        for name, p, grad in pairs:
            lr_g = scratch.get(name)
            if lr_g is None or made_for.get(name) is not p:     # made once per parameter array (a new net: new arrays)
                lr_g, made_for[name] = np.empty_like(p), p
                scratch[name] = lr_g
            np.multiply(grad, lr, out=lr_g)  # lr * grad (lr a Python float: cast to p's dtype, NEP 50)
            p -= lr_g

    def update(self, p: np.ndarray, grad: np.ndarray, state: dict) -> None:
        g = -grad if self.maximize else grad
        if self.weight_decay != 0:
            g = add(g, p, self.weight_decay)
        if self.momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= scalar(buf, self.momentum)
                buf += scalar(buf, 1 - self.dampening) * g
            g = add(g, buf, self.momentum) if self.nesterov else buf
        p -= scalar(p, self.lr) * g
