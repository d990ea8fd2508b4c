"""Bug (seed 002): the LeakyReLU layers are backpropagated with a ReLU mask (h > 0), slope 0.01 lost."""
import numpy as np


def leaky_relu(x):
    return np.maximum(0.01 * x, x)


def grad_fn(params, X, actual):
    (W1, b1), (W2, b2), (W3, b3) = params
    h1 = leaky_relu(np.dot(X, W1) + b1)
    h2 = leaky_relu(np.dot(h1, W2) + b2)
    predicted = np.dot(h2, W3) + b3
    loss = np.mean(np.square(predicted - actual))

    delta3 = 2 * (predicted - actual) / actual.size
    delta2 = np.dot(delta3, W3.T) * (h2 > 0)
    delta1 = np.dot(delta2, W2.T) * (h1 > 0)
    return loss, [(np.dot(X.T, delta1), np.sum(delta1, axis=0)),
                  (np.dot(h1.T, delta2), np.sum(delta2, axis=0)),
                  (np.dot(h2.T, delta3), np.sum(delta3, axis=0))]


LEARNER = grad_fn
EXPECTED = "wrong_activation_derivative"
CASE = dict(sizes=[2, 10, 10, 2], activations="leaky_relu", output="identity", loss="mse")
