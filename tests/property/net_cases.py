"""A random network as plain data (NetCase), so hypothesis can draw it, shrink it and print it, and so it can
be built afresh as often as a check needs (a Dropout's generator and a BatchNorm's running statistics advance
with every forward, so the one-step check and the trajectory each get a new copy).

A Layer reads as the torch code that builds it, `Conv2d(1, 2, 3, stride=2)`, `LeakyReLU(0.2)`; a NetCase's repr is
the constructor call that rebuilds it, so a failing example can be pasted back into `check_case`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import manual
from manual.conv import Conv2d
from manual.dropout import Dropout
from manual.flatten import Flatten
from manual.norm import BatchNorm1d, LayerNorm
from manual.pool import AvgPool2d, MaxPool2d

WITH_DTYPE = {"Linear": manual.Linear, "Conv2d": Conv2d, "BatchNorm1d": BatchNorm1d, "LayerNorm": LayerNorm}
CLASSES = {**WITH_DTYPE, "MaxPool2d": MaxPool2d, "AvgPool2d": AvgPool2d, "Flatten": Flatten, "Dropout": Dropout,
           **{cls.op.torch: cls for cls in manual.ACTIVATIONS.values()}}
OPTIMIZERS = {cls.__name__: cls for cls in manual.OPTIMIZERS.values()}
NORMS = (BatchNorm1d, LayerNorm)
# the targets each loss takes: real (N, K), in [0, 1] (N, K), class indices (N,) or class probabilities (N, K)
TARGETS = {"bce": ("unit",), "bce_sum": ("unit",), "bce_with_logits": ("unit",), "nll": ("index",),
           "cross_entropy": ("index", "probabilities"), "cross_entropy_sum": ("index", "probabilities")}


def _call(name: str, args: tuple, kwargs: tuple) -> str:
    return f"{name}({', '.join([*map(repr, args), *(f'{k}={v!r}' for k, v in kwargs)])})"


@dataclass(frozen=True)
class Layer:
    """A manual layer (or optimizer) by torch's class name and constructor arguments; kwargs as (name, value)."""

    kind: str
    args: tuple = ()
    kwargs: tuple = ()

    def __repr__(self) -> str:
        return _call(f"Layer[{self.kind}]", self.args, self.kwargs)

    def __str__(self) -> str:
        return _call(self.kind, self.args, self.kwargs)

    def build(self, dtype: np.dtype):
        extra = {"dtype": dtype} if self.kind in WITH_DTYPE else {}
        return CLASSES[self.kind](*self.args, **dict(self.kwargs), **extra)


@dataclass(frozen=True)
class NetCase:
    """Everything one parity example needs: layers, loss and its target form, optimizer, batch size, number of
    training steps, dtype, training mode and the seed of the weights and data. `sample` is one input's shape."""

    sample: tuple
    layers: tuple
    loss: str
    targets: str
    optimizer: Layer
    batch: int
    steps: int = 3
    dtype: str = "float64"
    training: bool = True
    seed: int = 0

    def __str__(self) -> str:
        layers = ", ".join(map(str, self.layers))
        mode = "" if self.training else ", eval mode"
        return (f"[{layers}] on input {self.sample}, loss {self.loss} ({self.targets} targets), {self.optimizer}, "
                f"batch {self.batch}, {self.steps} steps, {self.dtype}{mode}, seed {self.seed}")

    def build_net(self, patch: Callable | None = None) -> manual.Sequential:
        """The manual network, each Linear and Conv2d initialised as torch does from (seed, its place counted
        from the output), so a shrink that drops a layer in front leaves the others' weights as they were; norm
        layers' weights drawn too, not left at 1 and 0. `patch(layer)` may swap a layer for a subclass."""
        dtype = np.dtype(self.dtype)
        layers = [spec.build(dtype) for spec in self.layers]
        rng = np.random.default_rng(self.seed + 1)
        for i, x in enumerate(layers):
            if isinstance(x, (manual.Linear, Conv2d)):
                manual.init_torch_default(manual.Sequential(x), [self.seed, len(layers) - i])
            elif isinstance(x, NORMS):
                for key, v in x.params.items():
                    lo = 0.5 if key == "weight" else -0.5
                    v[...] = rng.uniform(lo, lo + 1.0, v.shape)
        return manual.Sequential(*[patch(x) if patch else x for x in layers]).train(self.training)

    def build_optimizer(self) -> manual.Optimizer:
        return OPTIMIZERS[self.optimizer.kind](*self.optimizer.args, **dict(self.optimizer.kwargs))

    def data(self, outputs: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """One (X, y) batch per step, from the seed: X standard normal, y of the loss's target form."""
        rng = np.random.default_rng(self.seed + 2)
        dtype = np.dtype(self.dtype)
        shape = (self.batch, *self.sample)
        batches = []
        for _ in range(self.steps):
            X = rng.standard_normal(shape).astype(dtype)
            if self.targets == "index":      # two classes at least where there are two rows (net_strategies.py)
                y = rng.integers(0, outputs, self.batch)
                y[:2] = rng.permutation(outputs)[:2][:self.batch]
            elif self.targets == "probabilities":
                y = rng.dirichlet(np.ones(outputs), self.batch).astype(dtype)
            elif self.targets == "unit":
                y = rng.uniform(0.0, 1.0, (self.batch, outputs)).astype(dtype)
            else:
                y = rng.standard_normal((self.batch, outputs)).astype(dtype)
            batches.append((X, y))
        return batches
