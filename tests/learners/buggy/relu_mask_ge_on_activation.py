"""Bug: ReLU mask written as (a >= 0) on the activation a = relu(z), which is always true: derivative 1 everywhere."""
import numpy as np


def relu(x):
    return np.maximum(0, x)


def relu_derivative(a):
    return np.where(a >= 0, 1, 0)


def grad_fn(params, X, y):
    (W1, b1), (W2, b2), (W3, b3) = params
    a1 = relu(X @ W1 + b1)
    a2 = relu(a1 @ W2 + b2)
    out = a2 @ W3 + b3
    loss = np.mean((out - y) ** 2)

    d3 = 2 * (out - y) / y.size
    d2 = d3 @ W3.T * relu_derivative(a2)
    d1 = d2 @ W2.T * relu_derivative(a1)
    return loss, [(X.T @ d1, d1.sum(0)), (a1.T @ d2, d2.sum(0)), (a2.T @ d3, d3.sum(0))]


LEARNER = grad_fn
EXPECTED = "wrong_activation_derivative"
CASE = dict(sizes=[3, 6, 6, 1], activations="relu", output="identity", loss="mse")
