"""Correct: a LeakyReLU with slope 0.2 (not torch's default 0.01), checked as leaky_relu:0.2."""
import numpy as np

SLOPE = 0.2


def grad_fn(params, X, y):
    (W1, b1), (W2, b2) = params
    z1 = X @ W1 + b1
    h = np.where(z1 > 0, z1, SLOPE * z1)
    out = h @ W2 + b2
    d2 = 2 * (out - y) / y.size
    d1 = (d2 @ W2.T) * np.where(z1 > 0, 1.0, SLOPE)
    return np.mean((out - y) ** 2), [(X.T @ d1, d1.sum(axis=0)), (h.T @ d2, d2.sum(axis=0))]


LEARNER = grad_fn
CASE = dict(sizes=[3, 5, 2], activations="leaky_relu:0.2", output="identity", loss="mse")
