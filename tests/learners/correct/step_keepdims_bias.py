"""Correct: one SGD step whose bias gradients come from np.sum(..., keepdims=True), shape (1, fan_out)."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def step_fn(params, X, y, lr):
    m = y.size
    A = [X]
    for W, b in params[:-1]:
        A.append(sigmoid(A[-1] @ W + b))
    W, b = params[-1]
    Y_hat = A[-1] @ W + b

    dZ = 2 * (Y_hat - y) / m
    new_params = [None] * len(params)
    for l in reversed(range(len(params))):
        W, b = params[l]
        dW = A[l].T @ dZ
        db = np.sum(dZ, axis=0, keepdims=True)
        if l > 0:
            dZ = (dZ @ W.T) * A[l] * (1 - A[l])
        new_params[l] = (W - lr * dW, b - lr * db)
    return new_params


LEARNER = step_fn
CASE = dict(sizes=[3, 5, 5, 2], activations="sigmoid", output="identity", loss="mse", lr=0.1, steps=3)
