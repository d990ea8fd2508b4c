"""Bug: acts holds [X, h1, h2] but is indexed as if it held [h1, h2]: dW_i uses layer i-1's input."""
import numpy as np


def grad_fn(params, X, y):
    acts = [X]
    for W, b in params[:-1]:
        acts.append(np.tanh(acts[-1] @ W + b))
    W, b = params[-1]
    out = acts[-1] @ W + b
    loss = np.mean((out - y) ** 2)

    delta = 2 * (out - y) / y.size
    grads = [None] * len(params)
    for i in reversed(range(len(params))):
        a_in = X if i == 0 else acts[i - 1]   # meant: the input of layer i
        grads[i] = (a_in.T @ delta, delta.sum(axis=0))
        if i > 0:
            delta = delta @ params[i][0].T * (1 - acts[i] ** 2)
    return loss, grads


LEARNER = grad_fn
EXPECTED = "cache_off_by_one"
CASE = dict(sizes=[4, 4, 4, 2], activations="tanh", output="identity", loss="mse")
