"""Bug (seed 001): delta = 2 * (y_pred - y_true) is the gradient of the SUM, but the loss is the mean."""
import numpy as np


def ReLU(x):
    return np.maximum(0, x)


def grad_fn(params, x, y_true):
    hs = [x]
    for W, b in params[:-1]:
        hs.append(ReLU(np.dot(hs[-1], W) + b))
    W5, b5 = params[-1]
    y_pred = np.dot(hs[-1], W5) + b5
    loss = np.mean((y_pred - y_true) ** 2)

    delta = 2 * (y_pred - y_true)
    grads = []
    for i in reversed(range(len(params))):
        grads.insert(0, (np.dot(hs[i].T, delta), np.sum(delta, axis=0)))
        if i > 0:
            delta = np.dot(delta, params[i][0].T) * (hs[i] > 0)
    return loss, grads


LEARNER = grad_fn
EXPECTED = "wrong_scale"
CASE = dict(sizes=[1, 8, 8, 8, 1], activations="relu", output="identity", loss="mse")
