"""Correct: a softmax classifier whose loss value guards the log, log(p + 1e-7), as tutorials do; the
gradient is the exact p - y, so only the reported loss differs from torch's, by about 1e-7 / p."""
import numpy as np

EPS = 1e-7


def grad_fn(params, X, Y):
    acts = [X]
    for W, b in params[:-1]:
        acts.append(np.maximum(0, acts[-1] @ W + b))
    W, b = params[-1]
    z = acts[-1] @ W + b
    p = np.exp(z - np.max(z, axis=1, keepdims=True))
    p = p / np.sum(p, axis=1, keepdims=True)
    loss = -np.mean(np.sum(Y * np.log(p + EPS), axis=1))
    delta = (p - Y) / X.shape[0]
    grads = []
    for k in range(len(params) - 1, -1, -1):
        grads.insert(0, (acts[k].T @ delta, np.sum(delta, axis=0)))
        if k:
            delta = (delta @ params[k][0].T) * (acts[k] > 0)
    return loss, grads


LEARNER = grad_fn
CASE = dict(sizes=[3, 6, 6, 4], activations="relu", loss="cross_entropy")
