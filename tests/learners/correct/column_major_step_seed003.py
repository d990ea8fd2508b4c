"""Correct: seed 003's training step in its own layout (W @ x), one plain SGD update w = w - grad * lr."""
import numpy as np


def step_fn(params, x, y, lr):
    (w1, b1), (w2, b2) = params
    h = np.tanh(w1 @ x + b1)
    py = w2 @ h + b2

    dpy = 2 * (py - y) / y.size            # d/dpy of ((y - py) ** 2).mean()
    dh = (w2.T @ dpy) * (1 - h ** 2)
    w2 = w2 - (dpy @ h.T) * lr
    b2 = b2 - dpy.sum(axis=1, keepdims=True) * lr
    w1 = w1 - (dh @ x.T) * lr
    b1 = b1 - dh.sum(axis=1, keepdims=True) * lr
    return [(w1, b1), (w2, b2)]


LEARNER = step_fn
CASE = dict(sizes=[1, 4, 1], activations="tanh", output="identity", loss="mse", layout="column",
            lr=0.01, steps=3)
