"""What every optimizer shares: hyper-parameters checked as torch checks them, state per parameter name,
and step(net), which updates net.params in place from net.grads."""
from __future__ import annotations

import copy
import math
import numbers

import numpy as np

from ..errors import ParityInputError


def check_number(what: str, value, *, low: float = 0.0, below: float | None = None) -> float:
    """`value` as a float if low <= value (< below); else ParityInputError("Invalid <what>: <value>"),
    the message torch.optim gives (torch lets NaN through some checks; here it never passes)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParityInputError(f"Invalid {what}: {value!r} (must be a real number)")
    value = float(value)
    ok = math.isfinite(value) and low <= value and (below is None or value < below)
    if not ok:
        span = f"in [{low:g}, {below:g})" if below is not None else f"a finite number >= {low:g}"
        raise ParityInputError(f"Invalid {what}: {value} (must be {span})")
    return value


def check_flag(what: str, value) -> bool:
    """A True/False option (nesterov, amsgrad, centered, maximize)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ParityInputError(f"{what} must be True or False, got {value!r}")
    return bool(value)


def check_betas(betas) -> tuple[float, float]:
    """(beta1, beta2), each in [0, 1), as torch.optim.Adam checks them."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ParityInputError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return tuple(check_number(f"beta parameter at index {i}", b, below=1.0) for i, b in enumerate(betas))


def named_params_and_grads(net) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """[(name, parameter, gradient)] of `net`: a Sequential's in one pass, else from its params and grads dicts."""
    if hasattr(net, "named_params_and_grads"):
        return net.named_params_and_grads()
    grads = net.grads
    return [(name, p, grads[name]) for name, p in net.params.items()]


class Optimizer:
    """Base class. Subclasses set HYPER (constructor argument names, stored as attributes) and define
    update(p, grad, state), which changes p in place; `state` is this parameter's dict, empty at first,
    holding what torch keeps in optimizer.state[p] under the same keys ("step", "exp_avg", ...)."""

    HYPER: tuple[str, ...] = ()

    def __init__(self):
        self.state: dict[str, dict] = {}

    def step(self, net) -> None:
        """One update of every parameter of `net` from its current gradients."""
        for name, p, grad in named_params_and_grads(net):
            self.update(p, grad, self.state.setdefault(name, {}))

    def update(self, p: np.ndarray, grad: np.ndarray, state: dict) -> None:
        raise NotImplementedError

    def hyperparameters(self) -> dict:
        return {k: getattr(self, k) for k in self.HYPER}

    def state_dict(self) -> dict:
        """Copies: {"state": {param name: {key: value}}, "hyperparameters": {argument: value}}."""
        return {"state": copy.deepcopy(self.state), "hyperparameters": self.hyperparameters()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"
