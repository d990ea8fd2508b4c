"""Bug: per-sample outer products assigned (=) instead of accumulated (+=): dW comes from the last sample only."""
import numpy as np


def grad_fn(params, X, y):
    a = [X]
    for W, b in params[:-1]:
        a.append(np.tanh(a[-1] @ W + b))
    W, b = params[-1]
    out = a[-1] @ W + b
    loss = np.mean((out - y) ** 2)

    delta = 2 * (out - y) / y.size
    grads = []
    for i in reversed(range(len(params))):
        for n in range(X.shape[0]):
            dW = np.outer(a[i][n], delta[n])
        grads.insert(0, (dW, delta.sum(axis=0)))
        if i > 0:
            delta = delta @ params[i][0].T * (1 - a[i] ** 2)
    return loss, grads


LEARNER = grad_fn
EXPECTED = "batch_dependent"
CASE = dict(sizes=[3, 5, 5, 2], activations="tanh", output="identity", loss="mse")
