"""Element-wise activations, the seeds' five, with fast paths. Each caches what its derivative needs; the
formulas are the registry's (activation_registry.py), the layer's name and arguments torch's. The newer
ones, computed by the registry's formulas: activation_layers.py."""
from __future__ import annotations

import numpy as np

from .activation_op import ActivationOp, ChosenActivation
from .activation_registry import IDENTITY, LEAKY_RELU, RELU, SIGMOID, TANH
from .activation_spelling import choose
from .select import keep_where, select


class Activation:
    """Shared contract: forward(x) -> y caches; backward(dy) -> dx; empty params/grads (activation
    parameters such as a slope are constructor arguments, not trained). `op` is the registry's entry; the
    values of its parameters are attributes named as torch names them."""

    params: dict = {}
    grads: dict = {}
    op: ActivationOp

    def __init__(self):
        self.params, self.grads, self.cache = {}, {}, {}

    @property
    def chosen(self) -> ChosenActivation:
        """The registry's entry with this layer's parameter values."""
        return ChosenActivation(self.op, tuple(getattr(self, k) for k in self.op.params))

    def describe(self) -> str:
        """'Tanh', 'LeakyReLU(0.01)', 'Softplus(1.0, 20.0)'."""
        return self.chosen.describe()


class Identity(Activation):
    r"""y = x.  Backward: dL/dx = dL/dy."""

    op = IDENTITY

    def forward(self, x):
        return x

    def backward(self, dy):
        return dy


class ReLU(Activation):
    r"""y = max(0, x).  Backward: dL/dx = dL/dy where y > 0, else 0  (derivative 0 at x == 0, as torch).

    Exactly torch.relu: NaN propagates, -0.0 stays -0.0 (np.maximum(0, x) returns x on a tie or a NaN),
    and backward is torch's threshold_backward, `0 if y <= 0 else dy` (a NaN unit passes dy on). y is never
    negative, so `not (y <= 0)` is `y != 0`: one comparison (NaN != 0 holds, so NaN still passes dy).
    """

    op = RELU

    def forward(self, x):
        y = np.maximum(0.0, x)      # 0.0 takes x's dtype (NEP 50): +0.0 of float32 or float64
        self.cache = {"y": y}
        return y

    def backward(self, dy):
        return keep_where(self.cache["y"] != 0, dy)

    def active(self) -> np.ndarray:
        """Where the last forward's input was > 0 (gradcheck compares these across a nudge for kinks)."""
        return self.cache["y"] > 0


class LeakyReLU(Activation):
    r"""y = x if x > 0 else negative_slope * x.  Backward: dL/dx = dL/dy * (1 if x > 0 else negative_slope),
    using cached x. `slope` is another name for negative_slope."""

    op = LEAKY_RELU

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        (self.negative_slope,) = choose(self.op, negative_slope).values

    @property
    def slope(self) -> float:
        return self.negative_slope

    def forward(self, x):
        self.cache = {"x": x}
        return select(x > 0, x, x * x.dtype.type(self.slope))

    def backward(self, dy):
        return select(self.cache["x"] > 0, dy, dy * dy.dtype.type(self.slope))

    def active(self) -> np.ndarray:
        """Where the last forward's input was > 0 (gradcheck compares these across a nudge for kinks)."""
        return self.cache["x"] > 0


class Sigmoid(Activation):
    r"""y = 1 / (1 + exp(-x)).  Backward: dL/dx = dL/dy * y * (1 - y), using cached y."""

    op = SIGMOID

    def forward(self, x):
        one = x.dtype.type(1)
        with np.errstate(over="ignore"):  # exp(-x) -> inf gives y = 0 exactly, as torch
            y = one / (one + np.exp(-x))
        self.cache = {"y": y}
        return y

    def backward(self, dy):
        y = self.cache["y"]
        return dy * (y * (y.dtype.type(1) - y))


class Tanh(Activation):
    r"""y = tanh(x).  Backward: dL/dx = dL/dy * (1 - y**2), using cached y."""

    op = TANH

    def forward(self, x):
        y = np.tanh(x)
        self.cache = {"y": y}
        return y

    def backward(self, dy):
        y = self.cache["y"]
        return dy * (1.0 - y * y)      # 1.0 takes y's dtype (NEP 50)
