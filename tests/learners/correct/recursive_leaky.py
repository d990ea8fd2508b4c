"""Correct: recursive backprop, one call per layer returning dL/d(input); LeakyReLU hidden layers."""
import numpy as np

SLOPE = 0.01


def _through(params, i, a, y, grads):
    W, b = params[i]
    z = a @ W + b
    if i == len(params) - 1:
        loss = np.mean((z - y) ** 2)
        dz = 2 * (z - y) / y.size
    else:
        h = np.where(z > 0, z, SLOPE * z)
        loss, dh = _through(params, i + 1, h, y, grads)
        dz = dh * np.where(z > 0, 1.0, SLOPE)
    grads[i] = (a.T @ dz, dz.sum(axis=0))
    return loss, dz @ W.T


def grad_fn(params, X, y):
    grads = [None] * len(params)
    loss, _ = _through(params, 0, X, y, grads)
    return loss, grads


LEARNER = grad_fn
CASE = dict(sizes=[2, 6, 6, 6, 2], activations="leaky_relu", output="identity", loss="mse")
