"""Bug: the forward pass uses LeakyReLU(0.2), but the derivative uses the slope 0.01 (a default copied from
elsewhere), so every negative unit sends back a twentieth of its gradient."""
import numpy as np


def grad_fn(params, X, y):
    (W1, b1), (W2, b2), (W3, b3) = params
    z1 = X @ W1 + b1
    a1 = np.where(z1 > 0, z1, 0.2 * z1)
    z2 = a1 @ W2 + b2
    a2 = np.where(z2 > 0, z2, 0.2 * z2)
    out = a2 @ W3 + b3
    d3 = 2 * (out - y) / y.size
    d2 = d3 @ W3.T * np.where(z2 > 0, 1.0, 0.01)
    d1 = d2 @ W2.T * np.where(z1 > 0, 1.0, 0.01)
    grads = [(X.T @ d1, d1.sum(0)), (a1.T @ d2, d2.sum(0)), (a2.T @ d3, d3.sum(0))]
    return np.mean((out - y) ** 2), grads


LEARNER = grad_fn
EXPECTED = "wrong_activation_derivative"
CASE = dict(sizes=[3, 5, 5, 2], activations="leaky_relu:0.2", loss="mse")
