"""Bug: the hidden sigmoid derivative is evaluated on the pre-activation, z * (1 - z), not on s = sigmoid(z)."""
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_back(x):
    return x * (1 - x)   # expects the activation s, but is given z below


def grad_fn(params, X, y):
    zs, a = [], [X]
    for W, b in params[:-1]:
        zs.append(a[-1] @ W + b)
        a.append(sigmoid(zs[-1]))
    W, b = params[-1]
    out = a[-1] @ W + b
    loss = np.mean((out - y) ** 2)

    delta = 2 * (out - y) / y.size
    grads = []
    for i in reversed(range(len(params))):
        grads.insert(0, (a[i].T @ delta, delta.sum(axis=0)))
        if i > 0:
            delta = delta @ params[i][0].T * sigmoid_back(zs[i - 1])
    return loss, grads


LEARNER = grad_fn
EXPECTED = "wrong_activation_derivative"
CASE = dict(sizes=[3, 5, 5, 2], activations="sigmoid", output="identity", loss="mse")
