"""Bug: Layer objects meant to update the caller's arrays in place (inplace=True), but the bias update
self.b = self.b - lr * self.db makes a new array, so the caller's biases never train."""
import numpy as np


class Dense:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, grad):
        self.dW, self.db = self.x.T @ grad, grad.sum(axis=0)
        return grad @ self.W.T

    def update(self, lr):
        self.W -= lr * self.dW
        self.b = self.b - lr * self.db


class ReLU:
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask

    def update(self, lr):
        pass


def train_step(params, X, y, lr):
    layers = [Dense(*params[0]), ReLU(), Dense(*params[1])]
    out = X
    for layer in layers:
        out = layer.forward(out)
    grad = out - y
    for layer in reversed(layers):
        grad = layer.backward(grad)
    for layer in layers:
        layer.update(lr)
    return [(layer.W, layer.b) for layer in layers[::2]]


LEARNER = train_step
EXPECTED = "bad_structure"
CASE = dict(sizes=[3, 5, 2], activations="relu", loss="half_sum", lr=0.05, steps=3, inplace=True)
