"""Correct: column-major maths inside (W @ x), transposed at entry and exit of the row-major API."""
import numpy as np


def grad_fn(params, X, y):
    Ws = [W.T for W, _ in params]                 # (fan_out, fan_in)
    bs = [b.reshape(-1, 1) for _, b in params]    # (fan_out, 1)
    x, t = X.T, y.T                               # (features, N)

    a = [x]
    for W, b in zip(Ws[:-1], bs[:-1]):
        a.append(np.tanh(W @ a[-1] + b))
    out = Ws[-1] @ a[-1] + bs[-1]
    loss = ((out - t) ** 2).mean()

    dz = 2 * (out - t) / t.size
    grads = []
    for l in reversed(range(len(Ws))):
        dW = dz @ a[l].T
        db = dz.sum(axis=1, keepdims=True)
        grads.insert(0, (dW.T, db.ravel()))
        if l > 0:
            dz = (Ws[l].T @ dz) * (1 - a[l] ** 2)
    return loss, grads


LEARNER = grad_fn
CASE = dict(sizes=[2, 5, 5, 3], activations="tanh", output="identity", loss="mse")
