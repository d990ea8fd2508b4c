"""Bug (seed 001/002): each layer is updated first, then the delta goes back through the NEW weight."""
import numpy as np


def ReLU(x):
    return np.maximum(0, x)


def step_fn(params, x, y_true, lr):
    params = [(W.copy(), b.copy()) for W, b in params]   # don't clobber the caller's arrays
    hs = [x]
    for W, b in params[:-1]:
        hs.append(ReLU(np.dot(hs[-1], W) + b))
    y_pred = np.dot(hs[-1], params[-1][0]) + params[-1][1]

    delta = 2 * (y_pred - y_true) / y_true.size
    for i in reversed(range(len(params))):
        W, b = params[i]
        W -= lr * np.dot(hs[i].T, delta)
        b -= lr * np.sum(delta, axis=0)
        if i > 0:
            delta = np.dot(delta, W.T) * (hs[i] > 0)
    return params


LEARNER = step_fn
EXPECTED = "stale_weights"
CASE = dict(sizes=[1, 6, 6, 6, 1], activations="relu", output="identity", loss="mse", lr=0.05, steps=3)
