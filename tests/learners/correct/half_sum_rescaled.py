"""Correct: backprop of 0.5*sum((yhat - y)**2) (delta = yhat - y), rescaled by 2/N for mean MSE."""
import numpy as np


def grad_fn(params, X, y):
    (W1, b1), (W2, b2), (W3, b3) = params
    z1 = X @ W1 + b1
    h1 = np.maximum(z1, 0)
    z2 = h1 @ W2 + b2
    h2 = np.maximum(z2, 0)
    out = h2 @ W3 + b3
    loss = np.mean((out - y) ** 2)

    d3 = out - y                       # half-sum error, as in the textbooks
    d2 = d3 @ W3.T * (z2 > 0)
    d1 = d2 @ W2.T * (z1 > 0)
    grads = [(X.T @ d1, d1.sum(0)), (h1.T @ d2, d2.sum(0)), (h2.T @ d3, d3.sum(0))]
    scale = 2.0 / y.size               # d(mean)/d(half_sum) = 2/N
    return loss, [(scale * dW, scale * db) for dW, db in grads]


LEARNER = grad_fn
CASE = dict(sizes=[3, 6, 6, 2], activations="relu", output="identity", loss="mse")
