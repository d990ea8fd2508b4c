"""What a seed system is: the network, its initial weights, data, loss, learning rate and step count as
the seed has them, the task result it reports, and the seed's own code (as written and corrected) in the
learner's shape step_fn(params, X, y, lr) -> params, with params [(W (fan_in, fan_out), b (fan_out,))]."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..losses import make_loss
from ..network import Params, Sequential, build_mlp

StepFn = Callable[[Params, np.ndarray, np.ndarray, float], Params]


@dataclass(frozen=True)
class Data:
    """Training data. per_step=False: one (X, y) batch used at every step (full-batch gradient descent).
    per_step=True: X[k], y[k] is the batch of step k (the seed draws a fresh batch every iteration)."""

    X: np.ndarray
    y: np.ndarray
    per_step: bool = False

    def batch(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        return (self.X[k], self.y[k]) if self.per_step else (self.X, self.y)

    def astype(self, dtype) -> Data:
        return Data(self.X.astype(dtype), self.y.astype(dtype), self.per_step)

    def feed(self):
        """What comparisons.parity.trajectory.compare_trajectory takes: a batch, or k -> batch."""
        return self.batch if self.per_step else (self.X, self.y)


@dataclass(frozen=True)
class Variant:
    """The seed's own code in the learner's shape, made runnable. expect="flag": it has a real bug the
    harness must find; expect="pass": it is correct and the harness must pass it. `system` overrides the
    parent system when the seed's code runs on a different network (001's scalar class)."""

    name: str
    step_fn: StepFn
    expect: str
    bug: str
    system: SeedSystem | None = None

    @property
    def inplace(self) -> bool:
        """The seed's code updates the weights it is given in place (`W -= lr * dW` on its globals): its
        contract, declared by the step function (`step_fn.inplace = True`)."""
        return getattr(self.step_fn, "inplace", False)


@dataclass(eq=False)
class SeedSystem:
    """A seed's network as the seed trains it. `init()` returns the initial [(W, b)] in the seed's own
    dtype (`init_dtype`: float32 where torch drew them); every run starts from these values cast."""

    key: str
    seed: str                      # "004"
    seed_file: str                 # "004_04be1c9f3a34761c.txt"
    title: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    output: str
    loss: str                      # a manual.LOSSES name: mse, sum, half_sum
    lr: float
    steps: int
    init: Callable[[], Params]
    make_data: Callable[[], Data]
    task: Callable[[Callable[[np.ndarray], np.ndarray]], dict]
    init_dtype: type = np.float64
    variants: tuple[Variant, ...] = ()
    note: str = ""
    torch_code: str = ""           # name of the seed's own torch code in torch_ref.seeds, if any
    checks: Callable[[], list[tuple[bool, str]]] | None = None   # seed-specific checks: (passed, what)

    @cached_property
    def data(self) -> Data:
        return self.make_data()

    def build(self, dtype=np.float64) -> Sequential:
        """The network with the seed's initial weights, cast to dtype."""
        net = build_mlp(self.sizes, list(self.activations), self.output, dtype=dtype)
        net.set_linear_params([(W.astype(dtype), b.astype(dtype)) for W, b in self.init()])
        return net

    def make_loss(self):
        return make_loss(self.loss)

    def describe(self) -> str:
        acts = "/".join(dict.fromkeys(self.activations)) or "linear"
        out = "" if self.output == "identity" else f"+{self.output}"
        return "-".join(map(str, self.sizes)) + f" {acts}{out}"


def as_row_major(params) -> Params:
    """[(W, b)] with b of any shape holding fan_out values (the seeds keep (1, n)) -> b (fan_out,)."""
    return [(np.asarray(W), np.asarray(b).reshape(-1)) for W, b in params]


def fit_mse(predict, f, lo: float = -5.0, hi: float = 5.0, n: int = 100) -> float:
    """mean((predict(x) - f(x))**2) on n points of [lo, hi]: how a curve fit is reported."""
    x = np.linspace(lo, hi, n).reshape(-1, 1)
    with np.errstate(all="ignore"):
        return float(np.mean((predict(x) - f(x)) ** 2))
