"""Bug: db = delta[0], the bias gradient of the first sample only instead of the sum over the batch."""
import numpy as np


def grad_fn(params, X, y):
    a = [X]
    for W, b in params[:-1]:
        a.append(np.maximum(a[-1] @ W + b, 0))
    W, b = params[-1]
    out = a[-1] @ W + b
    loss = np.mean((out - y) ** 2)

    delta = 2 * (out - y) / y.size
    grads = []
    for i in reversed(range(len(params))):
        grads.insert(0, (a[i].T @ delta, delta[0]))
        if i > 0:
            delta = (delta @ params[i][0].T) * (a[i] > 0)
    return loss, grads


LEARNER = grad_fn
EXPECTED = "bias_not_summed"
CASE = dict(sizes=[3, 5, 5, 2], activations="relu", output="identity", loss="mse")
