"""Bug: MSE delta divided by the batch size X.shape[0], but MSELoss averages over all N * 2 outputs."""
import numpy as np


def leaky_relu(x):
    return np.maximum(0.01 * x, x)


def grad_fn(params, X, Y):
    (W1, b1), (W2, b2), (W3, b3) = params
    z1 = X @ W1 + b1
    h1 = leaky_relu(z1)
    z2 = h1 @ W2 + b2
    h2 = leaky_relu(z2)
    predicted = h2 @ W3 + b3
    loss = np.mean(np.square(predicted - Y))

    delta3 = 2 * (predicted - Y) / X.shape[0]
    delta2 = delta3 @ W3.T * np.where(z2 > 0, 1, 0.01)
    delta1 = delta2 @ W2.T * np.where(z1 > 0, 1, 0.01)
    return loss, [(X.T @ delta1, delta1.sum(axis=0)),
                  (h1.T @ delta2, delta2.sum(axis=0)),
                  (h2.T @ delta3, delta3.sum(axis=0))]


LEARNER = grad_fn
EXPECTED = "wrong_scale"
CASE = dict(sizes=[2, 10, 10, 2], activations="leaky_relu", output="identity", loss="mse")
