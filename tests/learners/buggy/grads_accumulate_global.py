"""Bug: gradients are added into module-level running totals that are never reset between calls."""
import numpy as np

dW_total, db_total = {}, {}


def grad_fn(params, X, y):
    a = [X]
    for W, b in params[:-1]:
        a.append(np.maximum(0, a[-1] @ W + b))
    W, b = params[-1]
    out = a[-1] @ W + b
    loss = np.mean((out - y) ** 2)

    delta = 2 * (out - y) / y.size
    for i in reversed(range(len(params))):
        dW_total[i] = dW_total.get(i, 0) + a[i].T @ delta
        db_total[i] = db_total.get(i, 0) + delta.sum(axis=0)
        if i > 0:
            delta = delta @ params[i][0].T * (a[i] > 0)
    return loss, [(dW_total[i], db_total[i]) for i in range(len(params))]


LEARNER = grad_fn
EXPECTED = "grad_accumulation"
CASE = dict(sizes=[3, 5, 5, 2], activations="relu", output="identity", loss="mse")
