"""Bug: Layer objects (numpy-ml style params/grads dicts) meant to update the caller's arrays in place
(inplace=True), but the bias step self.params["bias"] = ... - lr * ... makes a new array, so the caller's
biases never train."""
import numpy as np


class Linear:
    def __init__(self, weight, bias):
        self.params = {"weight": weight, "bias": bias}

    def __call__(self, x):
        self.x = x
        return x @ self.params["weight"] + self.params["bias"]

    def grad(self, dy):
        self.grads = {"weight": self.x.T @ dy, "bias": dy.sum(axis=0)}
        return dy @ self.params["weight"].T

    def step(self, lr):
        self.params["weight"] -= lr * self.grads["weight"]
        self.params["bias"] = self.params["bias"] - lr * self.grads["bias"]


def train_step(params, X, y, lr):
    first, second = Linear(*params[0]), Linear(*params[1])
    z = first(X)
    out = second(np.maximum(z, 0))
    first.grad(second.grad(out - y) * (z > 0))
    for layer in (first, second):
        layer.step(lr)
    return [tuple(layer.params.values()) for layer in (first, second)]


LEARNER = train_step
EXPECTED = "bad_structure"
CASE = dict(sizes=[3, 5, 2], activations="relu", loss="half_sum", lr=0.05, steps=3, inplace=True)
