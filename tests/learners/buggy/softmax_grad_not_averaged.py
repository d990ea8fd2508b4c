"""Bug: the loss is the mean cross-entropy, but the logits' gradient is p - y, not (p - y) / N."""
import numpy as np


def grad_fn(params, X, Y):
    (W1, b1), (W2, b2) = params
    z1 = X @ W1 + b1
    h = np.maximum(0, z1)
    z2 = h @ W2 + b2
    p = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.mean(np.sum(Y * np.log(p), axis=1))
    dz2 = p - Y                                    # missing / N
    dz1 = dz2 @ W2.T * (z1 > 0)
    return loss, [(X.T @ dz1, dz1.sum(axis=0)), (h.T @ dz2, dz2.sum(axis=0))]


LEARNER = grad_fn
EXPECTED = "wrong_scale"
CASE = dict(sizes=[5, 7, 4], activations="relu", loss="cross_entropy")
