"""Bug: a class keeps gradient buffers and does self.dW += ... each backward, never zeroing them."""
import numpy as np


class Network:
    def __init__(self, n_in, n_hidden, n_out):
        self.W1, self.b1 = np.random.randn(n_in, n_hidden), np.zeros(n_hidden)
        self.W2, self.b2 = np.random.randn(n_hidden, n_out), np.zeros(n_out)
        self.dW1, self.db1 = np.zeros_like(self.W1), np.zeros_like(self.b1)
        self.dW2, self.db2 = np.zeros_like(self.W2), np.zeros_like(self.b2)

    def forward(self, X):
        self.h = np.tanh(X @ self.W1 + self.b1)
        self.out = self.h @ self.W2 + self.b2
        return self.out

    def backward(self, X, y, lr):
        d2 = 2 * (self.out - y) / y.size
        d1 = d2 @ self.W2.T * (1 - self.h ** 2)
        self.dW2 += self.h.T @ d2
        self.db2 += d2.sum(axis=0)
        self.dW1 += X.T @ d1
        self.db1 += d1.sum(axis=0)
        self.W2 -= lr * self.dW2
        self.b2 -= lr * self.db2
        self.W1 -= lr * self.dW1
        self.b1 -= lr * self.db1


LEARNER = Network
PARAM_NAMES = [("W1", "b1"), ("W2", "b2")]
EXPECTED = "grad_accumulation"
CASE = dict(sizes=[3, 5, 2], activations="tanh", output="identity", loss="mse", lr=0.05, steps=3)
