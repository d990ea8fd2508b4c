"""CS231n-style two-layer nets with dict params (model.params["W1"], model.loss(X, y) -> (loss, grads)),
correct and buggy, written for the layer checks' tests."""
import numpy as np


class TwoLayerNet:
    def __init__(self, input_dim=4, hidden_dim=6, num_classes=3, reg=0.0):
        rng = np.random.default_rng(0)
        self.reg = reg
        self.params = {"W1": rng.standard_normal((input_dim, hidden_dim)), "b1": np.zeros(hidden_dim),
                       "W2": rng.standard_normal((hidden_dim, num_classes)), "b2": np.zeros(num_classes)}

    def scale(self, dscores):
        return dscores / len(dscores)

    def loss(self, X, y):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        h = np.maximum(0, X @ W1 + b1)
        scores = h @ W2 + b2
        shifted = scores - scores.max(axis=1, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        n = len(X)
        loss = -np.log(p[np.arange(n), y]).mean() + 0.5 * self.reg * ((W1 ** 2).sum() + (W2 ** 2).sum())
        p[np.arange(n), y] -= 1
        dscores = self.scale(p)
        dh = dscores @ W2.T * (h > 0)
        grads = {"W1": X.T @ dh + self.reg * W1, "b1": dh.sum(0), "W2": h.T @ dscores + self.reg * W2,
                 "b2": dscores.sum(0)}
        return loss, grads


class TwoLayerNetNotAveraged(TwoLayerNet):
    """Buggy: dscores not divided by N (the loss is a mean)."""

    def scale(self, dscores):
        return dscores


def renamed_loss(params, X, y):
    """A function with its own key names (mapped with names=...)."""
    net = TwoLayerNet()
    net.params = {"W1": params["w_in"], "b1": params["b_in"], "W2": params["w_out"], "b2": params["b_out"]}
    loss, g = net.loss(X, y)
    return loss, {"w_in": g["W1"], "b_in": g["b1"], "w_out": g["W2"], "b_out": g["b2"]}


RENAMED = {"w_in": "0.weight", "b_in": "0.bias", "w_out": "2.weight", "b_out": "2.bias"}
