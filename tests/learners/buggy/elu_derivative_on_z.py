"""Buggy: ELU's derivative written from the output, a + alpha for a <= 0, but fed the pre-activation z."""
import numpy as np

ALPHA = 1.0


def grad_fn(params, X, y):
    (W1, b1), (W2, b2) = params
    z1 = X @ W1 + b1
    h = np.where(z1 > 0, z1, ALPHA * np.expm1(z1))
    out = h @ W2 + b2
    d2 = 2 * (out - y) / y.size
    d1 = (d2 @ W2.T) * np.where(z1 > 0, 1.0, z1 + ALPHA)    # BUG: should be h + ALPHA (= ALPHA exp(z1))
    return np.mean((out - y) ** 2), [(X.T @ d1, d1.sum(axis=0)), (h.T @ d2, d2.sum(axis=0))]


LEARNER = grad_fn
CASE = dict(sizes=[3, 5, 2], activations="elu", output="identity", loss="mse")
EXPECTED = "wrong_activation_derivative"
