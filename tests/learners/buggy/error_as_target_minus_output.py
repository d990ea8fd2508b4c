"""Bug: the returned gradients start from error = y - yhat, so every one points the wrong way."""
import numpy as np


def grad_fn(params, X, y):
    (W1, b1), (W2, b2), (W3, b3) = params
    z1 = X @ W1 + b1
    h1 = np.where(z1 > 0, z1, 0.01 * z1)
    z2 = h1 @ W2 + b2
    h2 = np.where(z2 > 0, z2, 0.01 * z2)
    yhat = h2 @ W3 + b3
    loss = np.mean((y - yhat) ** 2)

    error = 2 * (y - yhat) / y.size
    d2 = error @ W3.T * np.where(z2 > 0, 1.0, 0.01)
    d1 = d2 @ W2.T * np.where(z1 > 0, 1.0, 0.01)
    return loss, [(X.T @ d1, d1.sum(0)), (h1.T @ d2, d2.sum(0)), (h2.T @ error, error.sum(0))]


LEARNER = grad_fn
EXPECTED = "wrong_sign"
CASE = dict(sizes=[2, 6, 6, 2], activations="leaky_relu", output="identity", loss="mse")
