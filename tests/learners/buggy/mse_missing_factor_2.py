"""Bug: the MSE output delta is (yhat - y) / N; the factor 2 from the square is forgotten."""
import numpy as np


def grad_fn(params, X, y):
    (W1, b1), (W2, b2), (W3, b3) = params
    z1 = X @ W1 + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2 + b2
    a2 = np.maximum(z2, 0)
    yhat = a2 @ W3 + b3
    loss = ((yhat - y) ** 2).mean()

    d3 = (yhat - y) / y.size
    d2 = (d3 @ W3.T) * (z2 > 0)
    d1 = (d2 @ W2.T) * (z1 > 0)
    return loss, [(X.T @ d1, d1.sum(0)), (a1.T @ d2, d2.sum(0)), (a2.T @ d3, d3.sum(0))]


LEARNER = grad_fn
EXPECTED = "wrong_scale"
CASE = dict(sizes=[3, 6, 6, 2], activations="relu", output="identity", loss="mse")
