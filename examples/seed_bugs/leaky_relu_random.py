"""Seed 002 (利用Python的LeakyRectify函数构建更稳定的神经网络模型): the backward, as written.

Made runnable only: forward's h1, h2 returned instead of read as globals, the weights passed in, and
the training loop's np.gradient(loss_value, W1) lines dropped (np.gradient of a scalar raises).
"""
import numpy as np


def leaky_relu(x):
    return np.maximum(0.01 * x, x)


def step_fn(params, X, actual, learning_rate):
    (W1, b1), (W2, b2), (W3, b3) = params
    h1 = leaky_relu(np.dot(X, W1) + b1)
    h2 = leaky_relu(np.dot(h1, W2) + b2)
    predicted = np.dot(h2, W3) + b3
    # the seed's backward(), line for line (learning_rate is never used in it)
    delta3 = 2 * (predicted - actual) / X.shape[0]
    W3 -= np.dot(h2.T, delta3)
    b3 -= np.sum(delta3, axis=0)
    delta2 = np.dot(delta3, W3.T) * (h2 > 0)
    W2 -= np.dot(h1.T, delta2)
    b2 -= np.sum(delta2, axis=0)
    delta1 = np.dot(delta2, W2.T) * (h1 > 0)
    W1 -= np.dot(X.T, delta1)
    b1 -= np.sum(delta1, axis=0)
    return [(W1, b1), (W2, b2), (W3, b3)]
