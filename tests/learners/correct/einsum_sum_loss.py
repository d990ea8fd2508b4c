"""Correct: every product written with np.einsum; sigmoid hidden layers, summed squared error."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def grad_fn(params, X, y):
    hs = [X]
    for W, b in params[:-1]:
        hs.append(sigmoid(np.einsum("ni,io->no", hs[-1], W) + b))
    W, b = params[-1]
    out = np.einsum("ni,io->no", hs[-1], W) + b
    loss = np.einsum("no,no->", out - y, out - y)

    d = 2 * (out - y)  # dL/dout for sum((out - y)**2)
    grads = []
    for k in range(len(params) - 1, -1, -1):
        grads.append((np.einsum("ni,no->io", hs[k], d), np.einsum("no->o", d)))
        if k > 0:
            h = hs[k]
            d = np.einsum("no,io->ni", d, params[k][0]) * h * (1 - h)
    return loss, grads[::-1]


LEARNER = grad_fn
CASE = dict(sizes=[3, 4, 4, 2], activations="sigmoid", output="identity", loss="sum")
