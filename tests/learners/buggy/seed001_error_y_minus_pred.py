"""Bug (seed 001, mixed form): error taken as y - pred, yet the update still subtracts lr * grad."""
import numpy as np


def ReLU(x):
    return np.maximum(0, x)


def step_fn(params, x, y, lr):
    (W1, b1), (W2, b2), (W3, b3) = params
    h1 = ReLU(x @ W1 + b1)
    h2 = ReLU(h1 @ W2 + b2)
    y_pred = h2 @ W3 + b3

    error = 2 * (y - y_pred) / y.size
    d2 = error @ W3.T * (h2 > 0)
    d1 = d2 @ W2.T * (h1 > 0)
    return [(W1 - lr * x.T @ d1, b1 - lr * d1.sum(axis=0)),
            (W2 - lr * h1.T @ d2, b2 - lr * d2.sum(axis=0)),
            (W3 - lr * h2.T @ error, b3 - lr * error.sum(axis=0))]


LEARNER = step_fn
EXPECTED = "wrong_sign"
CASE = dict(sizes=[1, 8, 8, 1], activations="relu", output="identity", loss="mse", lr=0.05, steps=3)
