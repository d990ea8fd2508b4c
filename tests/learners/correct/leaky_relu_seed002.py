"""Correct: seed 002's LeakyReLU net with its backward fixed (slope 0.01 on the negative side)."""
import numpy as np


def leaky_relu(x):
    return np.maximum(0.01 * x, x)


def leaky_relu_grad(z):
    return np.where(z > 0, 1.0, 0.01)


def grad_fn(params, X, Y):
    (W1, b1), (W2, b2), (W3, b3) = params
    z1 = np.dot(X, W1) + b1
    h1 = leaky_relu(z1)
    z2 = np.dot(h1, W2) + b2
    h2 = leaky_relu(z2)
    predicted = np.dot(h2, W3) + b3
    loss = np.mean(np.square(predicted - Y))

    delta3 = 2 * (predicted - Y) / Y.size
    delta2 = np.dot(delta3, W3.T) * leaky_relu_grad(z2)
    delta1 = np.dot(delta2, W2.T) * leaky_relu_grad(z1)
    return loss, [(np.dot(X.T, delta1), np.sum(delta1, axis=0)),
                  (np.dot(h1.T, delta2), np.sum(delta2, axis=0)),
                  (np.dot(h2.T, delta3), np.sum(delta3, axis=0))]


LEARNER = grad_fn
CASE = dict(sizes=[2, 10, 10, 2], activations="leaky_relu", output="identity", loss="mse")
