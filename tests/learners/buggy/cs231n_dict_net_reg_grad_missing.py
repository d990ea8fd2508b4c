"""Bug: a CS231n-style dict-params two-layer net whose loss carries 0.5 * reg * sum(W**2) but whose weight
gradients leave out the reg * W term."""
import numpy as np


class TwoLayerNet:
    def __init__(self, reg=0.2):
        rng = np.random.default_rng(2)
        self.reg = reg
        self.params = {"W1": rng.standard_normal((4, 5)), "b1": np.zeros(5),
                       "W2": rng.standard_normal((5, 3)), "b2": np.zeros(3)}

    def loss(self, X, y):
        W1, b1, W2, b2 = self.params["W1"], self.params["b1"], self.params["W2"], self.params["b2"]
        hidden = np.maximum(0, X.dot(W1) + b1)
        scores = hidden.dot(W2) + b2
        exp = np.exp(scores - np.max(scores, axis=1, keepdims=True))
        probs = exp / np.sum(exp, axis=1, keepdims=True)
        n = X.shape[0]
        loss = np.mean(-np.log(probs[range(n), y])) + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        dscores = probs
        dscores[range(n), y] -= 1
        dscores /= n
        dhidden = dscores.dot(W2.T) * (hidden > 0)
        return loss, {"W1": X.T.dot(dhidden), "b1": dhidden.sum(axis=0), "W2": hidden.T.dot(dscores),
                      "b2": dscores.sum(axis=0)}


LEARNER = TwoLayerNet()
CHECK = "dict_net"
EXPECTED = "unknown"
CASE = dict(reg=0.2)
