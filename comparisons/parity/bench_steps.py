"""The five ways `bench` takes one training step (forward, MSE loss, backward, SGD update) on one case.

manual       manual/'s Sequential through ManualTrainer, as training runs it
plain        the same step written out in plain NumPy, as a learner would, with np.dot as the seeds write it
             (the target for manual/)
torch_eager  the torch mirror with torch.optim.SGD (TorchTrainer)
torch_bare   the torch mirror, autograd, and a bare `p -= lr * p.grad` under no_grad
gemm         only the step's matrix products (np.dot), nothing else: the floor BLAS sets for any of them
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

import manual
from torch_ref import to_tensor

from .bench_cases import BenchCase
from .trainers import ManualTrainer, TorchTrainer

LR = 1e-3
IMPLS = ("manual", "plain", "torch_eager", "torch_bare", "gemm")
HIDDEN = {"relu": (lambda z: np.maximum(z, 0), lambda z, h: z > 0),
          "tanh": (np.tanh, lambda z, h: 1 - h * h)}


def plain_numpy_step(params: list[list[np.ndarray]], X: np.ndarray, y: np.ndarray, activation: str) -> float:
    """One hand-written step: hidden activation after every Linear but the last, MSE (mean), SGD in place."""
    f, df = HIDDEN[activation]
    zs, hs = [], [X]
    for i, (W, b) in enumerate(params):
        z = np.dot(hs[-1], W) + b
        zs.append(z)
        hs.append(f(z) if i < len(params) - 1 else z)
    err = hs[-1] - y
    dz = (2 / err.size) * err
    for i in reversed(range(len(params))):
        W, b = params[i]
        dW, db = np.dot(hs[i].T, dz), dz.sum(axis=0)
        if i:
            dz = np.dot(dz, W.T) * df(zs[i - 1], hs[i])
        W -= LR * dW
        b -= LR * db
    return float((err * err).mean())


def gemm_floor_step(params: list[list[np.ndarray]], X: np.ndarray, dys: list[np.ndarray]) -> None:
    """Only the matrix products of a step: x @ W per layer, x.T @ dy per layer, dy @ W.T but the first."""
    hs = [X]
    for W, _ in params:
        hs.append(np.dot(hs[-1], W))
    for i in reversed(range(len(params))):
        np.dot(hs[i].T, dys[i])
        if i:
            np.dot(dys[i], params[i][0].T)


def build_steps(case: BenchCase, dtype: np.dtype) -> dict[str, Callable[[], object]]:
    """Every implementation's step on the same initial weights and batch, as zero-argument callables."""
    rng = np.random.RandomState(0)
    net = manual.init_torch_default(manual.build_mlp(case.sizes, case.activation, dtype=dtype), rng)
    X = rng.randn(case.batch, case.sizes[0]).astype(dtype)
    y = rng.randn(case.batch, case.sizes[-1]).astype(dtype)
    loss = manual.make_loss("mse")
    eager = TorchTrainer.mirroring(net, loss, manual.SGD(LR), by_hand=False)
    bare_model, X_t, y_t = TorchTrainer.mirroring(net, loss, manual.SGD(LR)).model, to_tensor(X), to_tensor(y)
    mine = ManualTrainer(net, loss, manual.SGD(LR))
    params = [[W, b] for W, b in net.linear_params()]       # copies: each implementation trains its own
    floor = [[W, b] for W, b in net.linear_params()]
    dys = [rng.randn(case.batch, n).astype(dtype) for n in case.sizes[1:]]

    def torch_bare():
        bare_model.zero_grad(set_to_none=True)
        value = torch.nn.functional.mse_loss(bare_model(X_t), y_t)
        value.backward()
        with torch.no_grad():
            for p in bare_model.parameters():
                p -= LR * p.grad
        return value.item()

    return {"manual": lambda: mine.step(X, y), "plain": lambda: plain_numpy_step(params, X, y, case.activation),
            "torch_eager": lambda: eager.step(X, y), "torch_bare": torch_bare,
            "gemm": lambda: gemm_floor_step(floor, X, dys)}
