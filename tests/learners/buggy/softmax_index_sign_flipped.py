"""Bug: class-index targets, with the logits' gradient taken as y - p (one_hot - p) instead of p - y."""
import numpy as np


def grad_fn(params, X, y):
    (W1, b1), (W2, b2) = params
    h = np.tanh(X @ W1 + b1)
    scores = h @ W2 + b2
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    n = X.shape[0]
    loss = -np.mean(np.log(p[np.arange(n), y]))
    onehot = np.zeros_like(p)
    onehot[np.arange(n), y] = 1
    dscores = (onehot - p) / n
    dh = dscores @ W2.T * (1 - h ** 2)
    return loss, [(X.T @ dh, dh.sum(axis=0)), (h.T @ dscores, dscores.sum(axis=0))]


LEARNER = grad_fn
EXPECTED = "wrong_sign"
CASE = dict(sizes=[3, 4, 3], activations="tanh", loss="cross_entropy", targets="index")
