"""Correct: a tutorial's list of Layer objects sharing the caller's arrays, each backward(grad, lr) sending
the gradient on and then updating its own kernel and bias in place (kernel -= lr * dkernel), so the step
returns nothing (checked with inplace=True)."""
import numpy as np


class Layer:
    def backward(self, grad, lr):
        raise NotImplementedError


class Dense(Layer):
    def __init__(self, kernel, bias):
        self.kernel, self.bias = kernel, bias

    def forward(self, inputs):
        self.inputs = inputs
        return np.dot(inputs, self.kernel) + self.bias

    def backward(self, grad, lr):
        grad_inputs = np.dot(grad, self.kernel.T)
        self.kernel -= lr * np.dot(self.inputs.T, grad)
        self.bias -= lr * grad.sum(axis=0)
        return grad_inputs


class Sigmoid(Layer):
    def forward(self, inputs):
        self.out = 1 / (1 + np.exp(-inputs))
        return self.out

    def backward(self, grad, lr):
        return grad * self.out * (1 - self.out)


def train_step(params, X, y, lr):
    layers = []
    for kernel, bias in params:
        layers += [Dense(kernel, bias), Sigmoid()]
    layers.pop()                      # a linear output
    out = X
    for layer in layers:
        out = layer.forward(out)
    grad = 2 * (out - y) / y.size
    for layer in reversed(layers):
        grad = layer.backward(grad, lr)


LEARNER = train_step
CASE = dict(sizes=[3, 4, 4, 2], activations="sigmoid", loss="mse", lr=0.2, steps=3, inplace=True)
