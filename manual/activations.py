"""Element-wise activations. Each caches what its derivative needs; none has parameters."""
from __future__ import annotations

import numpy as np

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
    r"""y = max(0, x).  Backward: dL/dx = dL/dy * [x > 0]  (derivative 0 at x == 0, as torch)."""

    def forward(self, x):
        self.cache = {"mask": x > 0}
        return np.where(self.cache["mask"], x, np.zeros((), x.dtype))

    def backward(self, dy):
        return np.where(self.cache["mask"], dy, np.zeros((), dy.dtype))


class LeakyReLU(Activation):
    r"""y = x if x > 0 else slope * x.  Backward: dL/dx = dL/dy * (1 if x > 0 else slope)."""

    def __init__(self, slope: float = 0.01):
        super().__init__()
        self.slope = float(slope)

    def forward(self, x):
        self.cache = {"mask": x > 0}
        return np.where(self.cache["mask"], x, x * x.dtype.type(self.slope))

    def backward(self, dy):
        return np.where(self.cache["mask"], dy, dy * dy.dtype.type(self.slope))

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
