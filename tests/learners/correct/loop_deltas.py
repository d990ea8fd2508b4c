"""Correct: explicit loop over the layers, inputs and deltas kept in lists."""
import numpy as np


def relu(z):
    return np.maximum(0, z)


def grad_fn(params, X, y):
    # forward: keep each layer's input (acts[i]) and pre-activation (zs[i])
    acts, zs = [X], []
    for i, (W, b) in enumerate(params):
        z = acts[-1] @ W + b
        zs.append(z)
        acts.append(z if i == len(params) - 1 else relu(z))
    out = acts[-1]
    loss = np.mean((out - y) ** 2)

    # backward: deltas[i] = dL/dz_i
    deltas = [None] * len(params)
    deltas[-1] = 2 * (out - y) / y.size
    for i in range(len(params) - 2, -1, -1):
        deltas[i] = (deltas[i + 1] @ params[i + 1][0].T) * (zs[i] > 0)
    grads = [(acts[i].T @ deltas[i], deltas[i].sum(axis=0)) for i in range(len(params))]
    return loss, grads


LEARNER = grad_fn
CASE = dict(sizes=[3, 5, 5, 2], activations="relu", output="identity", loss="mse")
