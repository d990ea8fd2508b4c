"""Correct: a CS231n FullyConnectedNet-style model, params in a dict (W1..W3, b1..b3), a loop over the
hidden layers with affine and relu caches, softmax loss plus 0.5 * reg * sum(W**2)."""
import numpy as np


class FullyConnectedNet:
    def __init__(self, dims=(5, 6, 6, 3), reg=0.05):
        rng = np.random.default_rng(1)
        self.reg, self.num_layers, self.params = reg, len(dims) - 1, {}
        for i in range(self.num_layers):
            self.params[f"W{i + 1}"] = 0.5 * rng.standard_normal((dims[i], dims[i + 1]))
            self.params[f"b{i + 1}"] = np.zeros(dims[i + 1])

    def loss(self, X, y):
        caches, out = [], X
        for i in range(1, self.num_layers):
            z = out @ self.params[f"W{i}"] + self.params[f"b{i}"]
            caches.append((out, z))
            out = np.maximum(0, z)
        caches.append((out, None))
        L = self.num_layers
        scores = out @ self.params[f"W{L}"] + self.params[f"b{L}"]
        scores = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        n = X.shape[0]
        loss = -np.sum(np.log(probs[np.arange(n), y])) / n
        loss += 0.5 * self.reg * sum(np.sum(self.params[f"W{i}"] ** 2) for i in range(1, L + 1))
        dout = probs
        dout[np.arange(n), y] -= 1
        dout /= n
        grads = {}
        for i in range(L, 0, -1):
            x_in, z = caches[i - 1]
            grads[f"W{i}"] = x_in.T @ dout + self.reg * self.params[f"W{i}"]
            grads[f"b{i}"] = dout.sum(axis=0)
            dout = dout @ self.params[f"W{i}"].T
            if i > 1:
                dout = dout * (caches[i - 2][1] > 0)
        return loss, grads


LEARNER = FullyConnectedNet()
CHECK = "dict_net"
CASE = dict(reg=0.05)
