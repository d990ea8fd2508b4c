"""Bug: dZ already carries the 1/m of the mean loss, and dW = dZ.T-products are divided by m again."""
import numpy as np


def grad_fn(params, X, Y):
    m = Y.size
    A = [X]
    for W, b in params[:-1]:
        A.append(np.tanh(A[-1] @ W + b))
    W, b = params[-1]
    Y_hat = A[-1] @ W + b
    cost = np.sum((Y_hat - Y) ** 2) / m

    dZ = 2 * (Y_hat - Y) / m
    grads = []
    for l in reversed(range(len(params))):
        dW = (1 / m) * (A[l].T @ dZ)
        db = (1 / m) * np.sum(dZ, axis=0)
        grads.insert(0, (dW, db))
        if l > 0:
            dZ = (dZ @ params[l][0].T) * (1 - A[l] ** 2)
    return cost, grads


LEARNER = grad_fn
EXPECTED = "wrong_scale"
CASE = dict(sizes=[3, 5, 5, 1], activations="tanh", output="identity", loss="mse")
