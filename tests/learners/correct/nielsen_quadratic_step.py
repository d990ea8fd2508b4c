"""Correct: Nielsen's network.py update_mini_batch, column-major and one sample at a time: sigmoid layers,
the quadratic cost C = (1/N) sum_x 0.5 |a - y|^2, nablas summed over the batch, then w - (eta/N) nabla_w."""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def backprop(weights, biases, x, y):
    nabla_b = [np.zeros(b.shape) for b in biases]
    nabla_w = [np.zeros(w.shape) for w in weights]
    activation, activations, zs = x, [x], []
    for b, w in zip(biases, weights):
        z = np.dot(w, activation) + b
        zs.append(z)
        activation = sigmoid(z)
        activations.append(activation)
    delta = (activations[-1] - y) * sigmoid_prime(zs[-1])
    nabla_b[-1] = delta
    nabla_w[-1] = np.dot(delta, activations[-2].transpose())
    for layer in range(2, len(weights) + 1):
        delta = np.dot(weights[-layer + 1].transpose(), delta) * sigmoid_prime(zs[-layer])
        nabla_b[-layer] = delta
        nabla_w[-layer] = np.dot(delta, activations[-layer - 1].transpose())
    return nabla_b, nabla_w


def update_mini_batch(params, x, y, eta):
    weights, biases = [w for w, _ in params], [b for _, b in params]
    nabla_b = [np.zeros(b.shape) for b in biases]
    nabla_w = [np.zeros(w.shape) for w in weights]
    for i in range(x.shape[1]):
        delta_nabla_b, delta_nabla_w = backprop(weights, biases, x[:, [i]], y[:, [i]])
        nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
        nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
    n = x.shape[1]
    return [(w - (eta / n) * nw, b - (eta / n) * nb)
            for w, b, nw, nb in zip(weights, biases, nabla_w, nabla_b)]


LEARNER = update_mini_batch
CASE = dict(sizes=[3, 5, 2], activations="sigmoid", output="sigmoid", loss="half_sum_mean", layout="column",
            lr=0.5, steps=3)
