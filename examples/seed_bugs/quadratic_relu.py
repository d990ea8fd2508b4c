"""Seed 001 (RELU可以反向传播吗, 回答1): the 5-layer ReLU network's backward, as written.

Made runnable only: the stripped zeros restored (np.maximum(0, x), axis=0) and the weights passed in
instead of read as globals (the seed's `W5 -= ...` inside a function is an UnboundLocalError).
Its loss is MSE (mean), as the seed prints it.
"""
import numpy as np


def ReLU(x):
    return np.maximum(0, x)


def step_fn(params, x, y_true, lr):
    (W1, b1), (W2, b2), (W3, b3), (W4, b4), (W5, b5) = params
    h1 = ReLU(np.dot(x, W1) + b1)
    h2 = ReLU(np.dot(h1, W2) + b2)
    h3 = ReLU(np.dot(h2, W3) + b3)
    h4 = ReLU(np.dot(h3, W4) + b4)
    y_pred = np.dot(h4, W5) + b5
    # the seed's backward(), line for line
    delta = 2 * (y_pred - y_true)
    W5 -= lr * np.dot(h4.T, delta)
    b5 -= lr * np.sum(delta, axis=0)
    delta = np.dot(delta, W5.T) * (h4 > 0)
    W4 -= lr * np.dot(h3.T, delta)
    b4 -= lr * np.sum(delta, axis=0)
    delta = np.dot(delta, W4.T) * (h3 > 0)
    W3 -= lr * np.dot(h2.T, delta)
    b3 -= lr * np.sum(delta, axis=0)
    delta = np.dot(delta, W3.T) * (h2 > 0)
    W2 -= lr * np.dot(h1.T, delta)
    b2 -= lr * np.sum(delta, axis=0)
    delta = np.dot(delta, W2.T) * (h1 > 0)
    W1 -= lr * np.dot(x.T, delta)
    b1 -= lr * np.sum(delta, axis=0)
    return [(W1, b1), (W2, b2), (W3, b3), (W4, b4), (W5, b5)]
