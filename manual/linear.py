"""Fully connected layer in the seeds' row-major layout."""
from __future__ import annotations

import numpy as np

from .errors import ShapeError
from .validate import as_float_dtype, check_array


class Linear:
    r"""y = x @ W + b, with W of shape (fan_in, fan_out) and b of shape (fan_out,).

    Backward, given dy = dL/dy of shape (N, fan_out):
        dL/dW = x.T @ dy        dL/db = dy.sum(axis=0)        dL/dx = dy @ W.T  (skipped if not needed)
    torch.nn.Linear keeps weight as (fan_out, fan_in); torch_ref/weights.py transposes, nothing else does.
    The products are np.dot, as the seeds write them: the same BLAS call and bits as `@` on 2-d arrays, with
    less overhead per call, and BLAS on a one-column operand where `@` loops (x of shape (N, 1): 4 us -> 1.4 us).
    Each method tests its input in one expression (a fraction of check_array's time, every step) and calls
    check_array only when that fails, to raise the error naming the problem.
    """

    def __init__(self, fan_in: int, fan_out: int, *, dtype=np.float64):
        if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1 for s in (fan_in, fan_out)):
            raise ShapeError(f"Linear sizes must be positive ints, got {fan_in!r}->{fan_out!r}")  # not 2.5 -> 2
        self.fan_in, self.fan_out = int(fan_in), int(fan_out)
        dt = as_float_dtype(dtype)
        self.params = {"weight": np.zeros((self.fan_in, self.fan_out), dt), "bias": np.zeros(self.fan_out, dt)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.cache: dict = {}

    def forward(self, x: np.ndarray) -> np.ndarray:
        W = self.params["weight"]
        if not (type(x) is np.ndarray and x.dtype == W.dtype and x.ndim == 2 and x.shape[1] == self.fan_in):
            check_array("Linear input", x, dtype=W.dtype, shape=(None, self.fan_in), finite=False)
        self.cache = {"x": x}
        z = np.dot(x, W)
        z += self.params["bias"]    # in place: the same sums as x @ W + b, one (N, fan_out) temporary fewer
        return z

    def backward(self, dy: np.ndarray, need_input_grad: bool = True, into: dict | None = None) -> np.ndarray | None:
        """Sets grads (written into `into`'s arrays when given: a Sequential's flat gradients in training);
        returns dL/dx, or None when `need_input_grad` is False (a first layer in training)."""
        x = self.cache["x"]
        if not (type(dy) is np.ndarray and dy.dtype == x.dtype and dy.shape == (x.shape[0], self.fan_out)):
            check_array("Linear dy", dy, dtype=x.dtype, shape=(x.shape[0], self.fan_out), finite=False)
        if into is None:
            self.grads = {}     # last step's gradients go first (as torch's zero_grad(set_to_none=True)): a lower peak
            self.grads = {"weight": np.dot(x.T, dy), "bias": np.add.reduce(dy, 0)}   # dy.sum(axis=0), without its wrapper
        else:                   # the same products, written in place
            np.dot(x.T, dy, out=into["weight"])
            np.add.reduce(dy, 0, out=into["bias"])
            self.grads = dict(into)     # a dict of its own: replacing an entry must not change `into`
        return np.dot(dy, self.params["weight"].T) if need_input_grad else None

    def describe(self) -> str:
        return f"Linear {self.fan_in}->{self.fan_out}"

