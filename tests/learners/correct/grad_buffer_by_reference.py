"""Correct: the gradients live in buffers kept between calls, overwritten (buf[...] = ...) at every call and
returned by reference; each call's arrays are read when it returns, so the next call's overwrite is no bug."""
import numpy as np

_buffers = []


def grad_fn(params, X, y):
    if not _buffers:
        _buffers.extend((np.zeros_like(W), np.zeros_like(b)) for W, b in params)
    acts, zs = [X], []
    for W, b in params:
        zs.append(acts[-1] @ W + b)
        acts.append(np.tanh(zs[-1]))
    acts[-1] = zs[-1]
    delta = (acts[-1] - y) / X.shape[0]            # d/dout of 0.5 * sum((out - y)**2) / N
    for k in reversed(range(len(params))):
        dW, db = _buffers[k]
        dW[...] = acts[k].T @ delta
        db[...] = delta.sum(axis=0)
        if k:
            delta = delta @ params[k][0].T * (1 - acts[k] ** 2)
    return 0.5 * np.sum((acts[-1] - y) ** 2) / X.shape[0], _buffers


LEARNER = grad_fn
CASE = dict(sizes=[2, 4, 3], activations="tanh", loss="half_sum_mean")
