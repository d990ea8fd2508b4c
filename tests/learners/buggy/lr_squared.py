"""Bug: the gradients are pre-scaled by lr in backprop, and the update multiplies by lr again (lr**2)."""
import numpy as np


def backprop(params, X, y, lr):
    a = [X]
    for W, b in params[:-1]:
        a.append(np.tanh(a[-1] @ W + b))
    out = a[-1] @ params[-1][0] + params[-1][1]
    delta = 2 * (out - y) / y.size
    grads = []
    for i in reversed(range(len(params))):
        grads.insert(0, (lr * a[i].T @ delta, lr * delta.sum(axis=0)))   # "scaled step"
        if i > 0:
            delta = delta @ params[i][0].T * (1 - a[i] ** 2)
    return grads


def step_fn(params, X, y, lr):
    grads = backprop(params, X, y, lr)
    return [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]


LEARNER = step_fn
EXPECTED = "lr_applied_twice"
CASE = dict(sizes=[3, 5, 5, 2], activations="tanh", output="identity", loss="mse", lr=0.05, steps=3)
