"""Correct: seed 003's layout as is: W (fan_out, fan_in), b (fan_out, 1), x (features, N)."""
import numpy as np


def forward(w1, b1, w2, b2, w3, b3, x):
    h1 = np.tanh(w1 @ x + b1)
    h2 = np.tanh(w2 @ h1 + b2)
    return h1, h2, w3 @ h2 + b3


def grad_fn(params, x, y):
    (w1, b1), (w2, b2), (w3, b3) = params
    h1, h2, py = forward(w1, b1, w2, b2, w3, b3, x)
    L = ((y - py) ** 2).mean()

    d3 = 2 * (py - y) / y.size
    d2 = (w3.T @ d3) * (1 - h2 ** 2)
    d1 = (w2.T @ d2) * (1 - h1 ** 2)
    return L, [(d1 @ x.T, d1.sum(axis=1, keepdims=True)),
               (d2 @ h1.T, d2.sum(axis=1, keepdims=True)),
               (d3 @ h2.T, d3.sum(axis=1, keepdims=True))]


LEARNER = grad_fn
CASE = dict(sizes=[1, 4, 4, 1], activations="tanh", output="identity", loss="mse", layout="column")
