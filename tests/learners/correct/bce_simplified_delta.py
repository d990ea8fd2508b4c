"""Correct: sigmoid output with BCE, using the simplified output delta (p - y) / N."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def grad_fn(params, X, y):
    hidden = [X]
    for W, b in params[:-1]:
        hidden.append(np.tanh(hidden[-1] @ W + b))
    W, b = params[-1]
    p = sigmoid(hidden[-1] @ W + b)
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    delta = (p - y) / y.size          # sigmoid' cancels BCE's 1/(p(1-p))
    grads = []
    for i in reversed(range(len(params))):
        grads.append((hidden[i].T @ delta, delta.sum(axis=0)))
        if i > 0:
            delta = delta @ params[i][0].T * (1 - hidden[i] ** 2)
    grads.reverse()
    return loss, grads


LEARNER = grad_fn
CASE = dict(sizes=[3, 5, 5, 1], activations="tanh", output="sigmoid", loss="bce")
