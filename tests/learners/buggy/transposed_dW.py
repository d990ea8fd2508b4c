"""Bug: dW computed as delta.T @ a (torch's (fan_out, fan_in) layout); every layer is square, so shapes agree."""
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
        grads.insert(0, (delta.T @ a[i], delta.sum(axis=0)))
        if i > 0:
            delta = (delta @ params[i][0].T) * (1 - a[i] ** 2)
    return loss, grads


LEARNER = grad_fn
EXPECTED = "transposed"
CASE = dict(sizes=[4, 4, 4, 4], activations="tanh", output="identity", loss="mse")
