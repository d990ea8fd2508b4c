"""Bug: db = np.mean(delta, axis=0): the bias gradient is averaged over the batch instead of summed."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def grad_fn(params, X, y):
    a = [X]
    for W, b in params[:-1]:
        a.append(sigmoid(a[-1] @ W + b))
    W, b = params[-1]
    out = a[-1] @ W + b
    loss = np.mean((out - y) ** 2)

    delta = 2 * (out - y) / y.size
    grads = []
    for i in reversed(range(len(params))):
        grads.insert(0, (a[i].T @ delta, np.mean(delta, axis=0)))
        if i > 0:
            delta = (delta @ params[i][0].T) * a[i] * (1 - a[i])
    return loss, grads


LEARNER = grad_fn
EXPECTED = "bias_not_summed"
CASE = dict(sizes=[3, 5, 5, 2], activations="sigmoid", output="identity", loss="mse")
