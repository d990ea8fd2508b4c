"""A correct grad_fn for the hostile learners' 2-3-1 ReLU net (MSE), imported by its neighbours."""
import numpy as np


def grad_fn(params, X, y):
    (W1, b1), (W2, b2) = params
    z = X @ W1 + b1
    h = np.maximum(z, 0)
    out = h @ W2 + b2
    d2 = 2 * (out - y) / y.size
    d1 = d2 @ W2.T * (z > 0)
    return np.mean((out - y) ** 2), [(X.T @ d1, d1.sum(0)), (h.T @ d2, d2.sum(0))]
