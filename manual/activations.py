"""Element-wise activations. Each caches what its derivative needs; none has parameters."""
from __future__ import annotations

import numpy as np

from .select import keep_where, select
from .validate import lookup


class Activation:
    """Shared contract: forward(x) -> y caches; backward(dy) -> dx; empty params/grads."""

    params: dict = {}
    grads: dict = {}

    def __init__(self):
        self.params, self.grads, self.cache = {}, {}, {}

    def describe(self) -> str:
        return type(self).__name__


class Identity(Activation):
    r"""y = x.  Backward: dL/dx = dL/dy."""

    def forward(self, x):
        return x

    def backward(self, dy):
        return dy


class ReLU(Activation):
    r"""y = max(0, x).  Backward: dL/dx = dL/dy where y > 0, else 0  (derivative 0 at x == 0, as torch).

    Exactly torch.relu: NaN propagates, -0.0 stays -0.0 (np.maximum(0, x) returns x on a tie or a NaN),
    and backward is torch's threshold_backward, `0 if y <= 0 else dy` (a NaN unit passes dy on).
    """

    def forward(self, x):
        y = np.maximum(x.dtype.type(0), x)
        self.cache = {"y": y}
        return y

    def backward(self, dy):
        return keep_where(~(self.cache["y"] <= 0), dy)

    def active(self) -> np.ndarray:
        """Where the last forward's input was > 0 (gradcheck compares these across a nudge for kinks)."""
        return self.cache["y"] > 0


class LeakyReLU(Activation):
    r"""y = x if x > 0 else slope * x.  Backward: dL/dx = dL/dy * (1 if x > 0 else slope), using cached x."""

    def __init__(self, slope: float = 0.01):
        super().__init__()
        self.slope = float(slope)

    def forward(self, x):
        self.cache = {"x": x}
        return select(x > 0, x, x * x.dtype.type(self.slope))

    def backward(self, dy):
        return select(self.cache["x"] > 0, dy, dy * dy.dtype.type(self.slope))

    def active(self) -> np.ndarray:
        """Where the last forward's input was > 0 (gradcheck compares these across a nudge for kinks)."""
        return self.cache["x"] > 0

    def describe(self) -> str:
        return f"LeakyReLU({self.slope!r})"


class Sigmoid(Activation):
    r"""y = 1 / (1 + exp(-x)).  Backward: dL/dx = dL/dy * y * (1 - y), using cached y."""

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

    def forward(self, x):
        y = np.tanh(x)
        self.cache = {"y": y}
        return y

    def backward(self, dy):
        y = self.cache["y"]
        return dy * (y.dtype.type(1) - y * y)


ACTIVATIONS = {"identity": Identity, "relu": ReLU, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid, "tanh": Tanh}


def make_activation(name: str) -> Activation:
    """Build an activation from its registered name (relu, leaky_relu, sigmoid, tanh, identity)."""
    return lookup("activation", name, ACTIVATIONS)()
