"""Bug: sigmoid + BCE with the simplified delta p - y, but the 1/N of BCELoss's mean is dropped."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def grad_fn(params, X, y):
    (W1, b1), (W2, b2), (W3, b3) = params
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    p = sigmoid(h2 @ W3 + b3)
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    d3 = p - y
    d2 = d3 @ W3.T * (1 - h2 ** 2)
    d1 = d2 @ W2.T * (1 - h1 ** 2)
    return loss, [(X.T @ d1, d1.sum(0)), (h1.T @ d2, d2.sum(0)), (h2.T @ d3, d3.sum(0))]


LEARNER = grad_fn
EXPECTED = "wrong_scale"
CASE = dict(sizes=[3, 5, 5, 1], activations="tanh", output="sigmoid", loss="bce")
