"""Bug: the loss is mean((yhat - y)**2) but the output delta is the half-sum one, yhat - y (N/2 x)."""
import numpy as np


def relu(z):
    return np.maximum(0, z)


def grad_fn(params, X, y):
    acts, zs = [X], []
    for W, b in params[:-1]:
        zs.append(acts[-1] @ W + b)
        acts.append(relu(zs[-1]))
    W, b = params[-1]
    out = acts[-1] @ W + b
    loss = np.mean((out - y) ** 2)

    delta = out - y
    grads = [None] * len(params)
    for i in reversed(range(len(params))):
        grads[i] = (acts[i].T @ delta, delta.sum(axis=0))
        if i > 0:
            delta = (delta @ params[i][0].T) * (zs[i - 1] > 0)
    return loss, grads


LEARNER = grad_fn
EXPECTED = "wrong_scale"
CASE = dict(sizes=[3, 5, 5, 2], activations="relu", output="identity", loss="mse")
