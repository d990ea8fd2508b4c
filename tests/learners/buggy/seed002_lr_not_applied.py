"""Bug (seed 002): the update is W -= dW, the learning rate is never applied."""
import numpy as np


def leaky_relu(x):
    return np.maximum(0.01 * x, x)


def step_fn(params, X, actual, learning_rate):
    (W1, b1), (W2, b2), (W3, b3) = params
    z1 = np.dot(X, W1) + b1
    h1 = leaky_relu(z1)
    z2 = np.dot(h1, W2) + b2
    h2 = leaky_relu(z2)
    predicted = np.dot(h2, W3) + b3

    delta3 = 2 * (predicted - actual) / actual.size
    delta2 = np.dot(delta3, W3.T) * np.where(z2 > 0, 1, 0.01)
    delta1 = np.dot(delta2, W2.T) * np.where(z1 > 0, 1, 0.01)
    W3 = W3 - np.dot(h2.T, delta3)
    b3 = b3 - np.sum(delta3, axis=0)
    W2 = W2 - np.dot(h1.T, delta2)
    b2 = b2 - np.sum(delta2, axis=0)
    W1 = W1 - np.dot(X.T, delta1)
    b1 = b1 - np.sum(delta1, axis=0)
    return [(W1, b1), (W2, b2), (W3, b3)]


LEARNER = step_fn
EXPECTED = "lr_applied_twice"
CASE = dict(sizes=[2, 10, 10, 2], activations="leaky_relu", output="identity", loss="mse", lr=0.05, steps=3)
