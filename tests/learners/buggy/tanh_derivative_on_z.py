"""Bug: the tanh derivative is taken as 1 - z**2 on the pre-activation instead of 1 - tanh(z)**2."""
import numpy as np


def grad_fn(params, X, y):
    (W1, b1), (W2, b2) = params
    z1 = X @ W1 + b1
    h = np.tanh(z1)
    out = h @ W2 + b2
    loss = np.mean((out - y) ** 2)

    d2 = 2 * (out - y) / y.size
    d1 = (d2 @ W2.T) * (1 - z1 ** 2)
    return loss, [(X.T @ d1, d1.sum(axis=0)), (h.T @ d2, d2.sum(axis=0))]


LEARNER = grad_fn
EXPECTED = "wrong_activation_derivative"
CASE = dict(sizes=[4, 4, 2], activations="tanh", output="identity", loss="mse")
