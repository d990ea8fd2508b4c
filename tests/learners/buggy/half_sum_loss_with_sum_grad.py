"""Bug: the loss is 0.5 * sum of squares, but the output delta is 2 * (yhat - y) (gradient of the plain sum)."""
import numpy as np


def grad_fn(params, X, y):
    acts = [X]
    for W, b in params[:-1]:
        acts.append(np.tanh(acts[-1] @ W + b))
    W, b = params[-1]
    yhat = acts[-1] @ W + b
    loss = 0.5 * np.sum((yhat - y) ** 2)

    delta = 2 * (yhat - y)
    grads = []
    for i in range(len(params) - 1, -1, -1):
        grads.append((acts[i].T @ delta, delta.sum(axis=0)))
        if i:
            delta = delta @ params[i][0].T * (1 - acts[i] ** 2)
    return loss, grads[::-1]


LEARNER = grad_fn
EXPECTED = "wrong_scale"
CASE = dict(sizes=[3, 5, 5, 2], activations="tanh", output="identity", loss="half_sum")
