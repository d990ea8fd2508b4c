"""The activations computed by the registry's formulas (activation_registry.py), named and constructed as
torch's, and make_activation for any spelling ("leaky_relu:0.05", activation_spelling.py)."""
from __future__ import annotations

import numpy as np

from .activation_registry import ELU as ELU_OP
from .activation_registry import GELU as GELU_OP
from .activation_registry import HARDTANH, REGISTRY, SILU, SOFTPLUS
from .activation_spelling import choose, parse_activation
from .activations import Activation, Identity, LeakyReLU, ReLU, Sigmoid, Tanh


class FormulaActivation(Activation):
    r"""y = f(x).  Backward: dL/dx = dL/dy * f'(x), using cached x; f and f' the registry's (float64 maths
    in the input's dtype, rounded back to it)."""

    def __init__(self, *args, **kwargs):
        super().__init__()
        for k, v in zip(self.op.params, choose(self.op, *args, **kwargs).values):
            setattr(self, k, v)

    def forward(self, x):
        self.cache = {"x": x}
        return np.asarray(self.op.forward(x, self.chosen.p), x.dtype)

    def backward(self, dy):
        return dy * np.asarray(self.op.from_z(self.cache["x"], self.chosen.p), dy.dtype)

    def active(self) -> np.ndarray:
        """Between which kinks the last input lies (gradcheck compares these across a nudge for kinks)."""
        return self.chosen.side(self.cache["x"])


class ELU(FormulaActivation):
    r"""y = x if x > 0 else alpha (exp(x) - 1).  f' = 1 if x > 0 else alpha exp(x) (alpha at 0, as torch)."""

    op = ELU_OP

    def __init__(self, alpha: float = 1.0):
        super().__init__(alpha)


class GELU(FormulaActivation):
    r"""y = x Phi(x) (approximate='none', by erf) or x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3))).
    f' = Phi(x) + x phi(x), or the tanh form's derivative."""

    op = GELU_OP

    def __init__(self, approximate: str = "none"):
        super().__init__(approximate)


class SiLU(FormulaActivation):
    r"""y = x sigmoid(x).  f' = s (1 + x (1 - s)), s = sigmoid(x)."""

    op = SILU


class Softplus(FormulaActivation):
    r"""y = log(1 + exp(beta x)) / beta, or x where beta x > threshold.  f' = sigmoid(beta x), or 1 there."""

    op = SOFTPLUS

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__(beta, threshold)


class Hardtanh(FormulaActivation):
    r"""y = clamp(x, min_val, max_val).  f' = 1 strictly between them, 0 at and beyond them (as torch)."""

    op = HARDTANH

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0):
        super().__init__(min_val, max_val)


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.op.name: cls for cls in (Identity, ReLU, LeakyReLU, Sigmoid, Tanh, ELU, GELU, SiLU, Softplus, Hardtanh)}
assert ACTIVATIONS.keys() == REGISTRY.keys(), "every registered activation needs its layer class"


def make_activation(spelling) -> Activation:
    """The layer for a spelling: 'relu', 'leaky_relu:0.05', 'softplus(beta=2)' (activation_spelling.py)."""
    chosen = parse_activation(spelling)
    return ACTIVATIONS[chosen.name](*chosen.values)
