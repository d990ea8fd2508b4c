"""Bug: sigmoid output with MSE, but the output delta is 2 (p - y) / N without the factor p (1 - p)."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def grad_fn(params, X, y):
    hidden = [X]
    for W, b in params[:-1]:
        hidden.append(np.maximum(0, hidden[-1] @ W + b))
    W, b = params[-1]
    p = sigmoid(hidden[-1] @ W + b)
    loss = np.mean((p - y) ** 2)

    delta = 2 * (p - y) / y.size        # dL/dp, used as if it were dL/dz
    grads = []
    for i in reversed(range(len(params))):
        grads.insert(0, (hidden[i].T @ delta, delta.sum(axis=0)))
        if i > 0:
            delta = delta @ params[i][0].T * (hidden[i] > 0)
    return loss, grads


LEARNER = grad_fn
EXPECTED = "missing_output_activation_derivative"
CASE = dict(sizes=[3, 5, 5, 2], activations="relu", output="sigmoid", loss="mse")
