"""Bug: the step returns the new params but gets them by W -= lr * dW on the arrays passed in, so the
caller's params change under it (a training loop that keeps the old params, or compares, breaks)."""
import numpy as np


def step_fn(params, X, y, lr):
    (W1, b1), (W2, b2) = params
    z1 = X @ W1 + b1
    h = np.where(z1 > 0, z1, 0.01 * z1)
    out = h @ W2 + b2
    d2 = 2 * (out - y) / y.size
    d1 = d2 @ W2.T * np.where(z1 > 0, 1.0, 0.01)
    W2 -= lr * h.T @ d2
    b2 -= lr * d2.sum(axis=0)
    W1 -= lr * X.T @ d1
    b1 -= lr * d1.sum(axis=0)
    return [(W1, b1), (W2, b2)]


LEARNER = step_fn
EXPECTED = "mutates_input"
CASE = dict(sizes=[4, 6, 2], activations="leaky_relu", loss="mse", lr=0.1, steps=3)
