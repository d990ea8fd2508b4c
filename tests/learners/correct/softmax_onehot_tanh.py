"""Correct: a softmax classifier as every course writes it: tanh hidden layer, softmax applied by hand, the
cross-entropy of one-hot rows, mean over the batch, and the logits' gradient (p - y) / N."""
import numpy as np


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def grad_fn(params, X, Y):
    (W1, b1), (W2, b2) = params
    h = np.tanh(X @ W1 + b1)
    p = softmax(h @ W2 + b2)
    n = X.shape[0]
    loss = -np.sum(Y * np.log(p)) / n
    dz2 = (p - Y) / n
    dh = dz2 @ W2.T * (1 - h ** 2)
    return loss, [(X.T @ dh, dh.sum(axis=0)), (h.T @ dz2, dz2.sum(axis=0))]


LEARNER = grad_fn
CASE = dict(sizes=[4, 6, 3], activations="tanh", loss="cross_entropy")
