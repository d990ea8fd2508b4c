"""Seed 002 (002_fd6e48362bb7062b.txt, "利用Python的LeakyRectify函数构建更稳定的神经网络模型"):
a 2-10-10-2 network with LeakyReLU(0.01) hidden layers on random data. np.random.seed(0); X = randn(100, 2),
Y = randn(100, 2), then W1 = randn(2, 10), W2 = randn(10, 10), W3 = randn(10, 2) from the same stream,
biases zero; loss mean((pred - Y)**2); 1000 full-batch epochs, learning_rate = 0.01.

Real bugs in backward() (each can be switched on alone, BUGS):
- "batch_mean": delta3 = 2 (pred - actual) / X.shape[0] divides by the batch size N = 100, but the loss
               np.mean(np.square(...)) averages over all N * K = 200 elements: twice its gradient.
- "no_lr":     the updates subtract the raw gradient; learning_rate is never used there (so lr = 1).
- "stale":     W3 is updated *before* delta2 = delta3 @ W3.T, so the error is propagated through the
               already-updated W3 (and likewise W2 for delta1).
- "relu_mask": delta2 = ... * (h2 > 0): ReLU's derivative, dropping LeakyReLU's 0.01 slope for h <= 0.
Made runnable (crashes, not maths): forward's h1, h2 were locals and backward read them (NameError) and
assigned W3 without `global` (UnboundLocalError) -- they are kept in a namespace `g` here; the six
`W1 -= learning_rate * np.gradient(loss_value, W1)` lines after backward() raise TypeError (np.gradient
of a scalar) and are dropped. With every bug off, this is the corrected code.
"""
from __future__ import annotations

from functools import cache
from types import SimpleNamespace

import numpy as np

from .spec import Data, SeedSystem, Variant

LR, EPOCHS = 0.01, 1000
BUGS = ("batch_mean", "no_lr", "stale", "relu_mask")


@cache
def _draw():
    rng = np.random.RandomState(0)   # np.random.seed(0), then the seed's np.random.randn calls in order
    X, Y = rng.randn(100, 2), rng.randn(100, 2)
    params = [(rng.randn(2, 10), np.zeros(10)), (rng.randn(10, 10), np.zeros(10)), (rng.randn(10, 2), np.zeros(2))]
    return X, Y, params


def leaky_relu(x):
    return np.maximum(0.01 * x, x)


def forward(g, X):
    g.h1 = leaky_relu(np.dot(X, g.W1) + g.b1)   # the seed: local h1 (backward then fails to see it)
    g.h2 = leaky_relu(np.dot(g.h1, g.W2) + g.b2)
    return np.dot(g.h2, g.W3) + g.b3


def backward(g, X, predicted, actual, learning_rate, bugs=BUGS):
    lr = 1 if "no_lr" in bugs else learning_rate                 # BUG no_lr: `W3 -= np.dot(...)`
    slope = lambda h: (h > 0) if "relu_mask" in bugs else np.where(h > 0, 1, 0.01)  # noqa: E731 BUG relu_mask
    n = X.shape[0] if "batch_mean" in bugs else predicted.size      # BUG batch_mean: / N, not / (N * K)
    delta3 = 2 * (predicted - actual) / n
    W3 = g.W3.copy()
    g.W3 -= lr * np.dot(g.h2.T, delta3)
    g.b3 -= lr * np.sum(delta3, axis=0)
    delta2 = np.dot(delta3, (g.W3 if "stale" in bugs else W3).T) * slope(g.h2)   # BUG stale: new W3
    W2 = g.W2.copy()
    g.W2 -= lr * np.dot(g.h1.T, delta2)
    g.b2 -= lr * np.sum(delta2, axis=0)
    delta1 = np.dot(delta2, (g.W2 if "stale" in bugs else W2).T) * slope(g.h1)   # BUG stale: new W2
    g.W1 -= lr * np.dot(X.T, delta1)
    g.b1 -= lr * np.sum(delta1, axis=0)


def make_step(bugs=BUGS):
    """One epoch of the seed's loop (forward, backward) with the given bugs, in the learner's shape."""
    def step(params, X, y, lr):
        (W1, b1), (W2, b2), (W3, b3) = params
        g = SimpleNamespace(W1=W1, b1=b1, W2=W2, b2=b2, W3=W3, b3=b3)
        backward(g, X, forward(g, X), y, lr, bugs)
        return [(g.W1, g.b1), (g.W2, g.b2), (g.W3, g.b3)]
    step.__name__ = f"step_{'_'.join(bugs) or 'corrected'}"
    step.inplace = True          # the seed's W -= lr * dW updates the arrays it is given
    return step


def _task(predict_fn) -> dict:
    X, Y, _ = _draw()
    return {"train MSE": float(np.mean(np.square(predict_fn(X) - Y)))}


SYSTEMS = (
    SeedSystem(
        key="leaky_relu_random", seed="002", seed_file="002_fd6e48362bb7062b.txt",
        title="LeakyReLU on random data", sizes=(2, 10, 10, 2), activations=("leaky_relu", "leaky_relu"),
        output="identity", loss="mse", lr=LR, steps=EPOCHS,
        init=lambda: [(W.copy(), b.copy()) for W, b in _draw()[2]],
        make_data=lambda: Data(*_draw()[:2]), task=_task,
        variants=(
            Variant("as written", make_step(BUGS), "flag",
                    "gradient of sum/N (2x the mean's), no learning rate, error sent back through updated "
                    "W3/W2, ReLU mask for LeakyReLU"),
            Variant("only batch_mean", make_step(("batch_mean",)), "flag", "delta3 divided by N, not N*K"),
            Variant("only no_lr", make_step(("no_lr",)), "flag", "updates without the learning rate"),
            Variant("only stale", make_step(("stale",)), "flag", "delta2/delta1 through the updated W3/W2"),
            Variant("only relu_mask", make_step(("relu_mask",)), "flag", "(h > 0) instead of LeakyReLU's slope"),
            Variant("corrected", make_step(()), "pass", "none: the seed's code with the four bugs fixed"),
        ),
        note="np.random.seed(0) for X, Y and weights; targets are noise, so the task is the training MSE"),
)
