"""Bug: dW = outer(sum of inputs, sum of deltas) over the batch; only right when the batch has one row."""
import numpy as np


def relu(z):
    return np.maximum(0, z)


def grad_fn(params, X, y):
    a, zs = [X], []
    for W, b in params[:-1]:
        zs.append(a[-1] @ W + b)
        a.append(relu(zs[-1]))
    W, b = params[-1]
    out = a[-1] @ W + b
    loss = np.mean((out - y) ** 2)

    delta = 2 * (out - y) / y.size
    grads = []
    for i in reversed(range(len(params))):
        grads.insert(0, (np.outer(a[i].sum(axis=0), delta.sum(axis=0)), delta.sum(axis=0)))
        if i > 0:
            delta = delta @ params[i][0].T * (zs[i - 1] > 0)
    return loss, grads


LEARNER = grad_fn
EXPECTED = "batch_dependent"
CASE = dict(sizes=[3, 5, 5, 2], activations="relu", output="identity", loss="mse")
