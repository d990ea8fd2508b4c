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
from .bench_conv import conv_layers, conv_products, plain_conv_step
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


def gemm_floor_step(products: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Only the matrix products of a step, each a @ b on operands made once (mlp_products, conv_products)."""
    for a, b in products:
        np.dot(a, b)


def mlp_products(params: list[list[np.ndarray]], X: np.ndarray, rng: np.random.RandomState) -> list[tuple]:
    """The operands of an MLP step's products: h @ W per layer, h.T @ dy per layer, dy @ W.T but the first."""
    hs = [X] + [rng.randn(X.shape[0], W.shape[1]).astype(X.dtype) for W, _ in params[:-1]]
    dys = [rng.randn(X.shape[0], W.shape[1]).astype(X.dtype) for W, _ in params]
    return ([(h, W) for h, (W, _) in zip(hs, params)] + [(h.T, dy) for h, dy in zip(hs, dys)]
            + [(dy, W.T) for dy, (W, _) in zip(dys[1:], params[1:])])


def build_steps(case: BenchCase, dtype: np.dtype) -> dict[str, Callable[[], object]]:
    """Every implementation's step on the same initial weights and batch, as zero-argument callables."""
    rng = np.random.RandomState(0)
    built = manual.Sequential(*conv_layers(case, dtype)) if case.image else manual.build_mlp(
        case.sizes, case.activation, dtype=dtype)
    net = manual.init_torch_default(built, rng)
    X = rng.randn(case.batch, *case.input_shape).astype(dtype)
    y = rng.randn(case.batch, case.sizes[-1]).astype(dtype)
    loss = manual.make_loss("mse")
    eager = TorchTrainer.mirroring(net, loss, manual.SGD(LR), by_hand=False)
    bare_model, X_t, y_t = TorchTrainer.mirroring(net, loss, manual.SGD(LR)).model, to_tensor(X), to_tensor(y)
    mine = ManualTrainer(net, loss, manual.SGD(LR))
    params = [[layer.params[k].copy() for k in ("weight", "bias")] for layer in net.layers if layer.params]
    floor = (conv_products if case.image else mlp_products)([[W.copy(), b] for W, b in params], X, rng)
    plain = (lambda: plain_conv_step(params, X, y, LR)) if case.image else (
        lambda: plain_numpy_step(params, X, y, case.activation))     # params: copies, trained by plain alone

    def torch_bare():
        bare_model.zero_grad(set_to_none=True)
        value = torch.nn.functional.mse_loss(bare_model(X_t), y_t)
        value.backward()
        with torch.no_grad():
            for p in bare_model.parameters():
                p -= LR * p.grad
        return value.item()

    return {"manual": lambda: mine.step(X, y), "plain": plain, "torch_eager": lambda: eager.step(X, y),
            "torch_bare": torch_bare, "gemm": lambda: gemm_floor_step(floor)}
