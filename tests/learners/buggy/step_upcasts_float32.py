"""Bug: a float32 network whose step mixes in a float64 array (np.zeros without a dtype for the delta), so
the params come back float64 and the training loop runs in float64 after one step."""
import numpy as np


def step_fn(params, X, y, lr):
    (W1, b1), (W2, b2) = params
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    delta = np.zeros(out.shape)                    # float64
    delta[:] = 2 * (out - y) / y.size
    dh = delta @ W2.T * (1 - h ** 2)
    return [(W1 - lr * X.T @ dh, b1 - lr * dh.sum(axis=0)), (W2 - lr * h.T @ delta, b2 - lr * delta.sum(axis=0))]


LEARNER = step_fn
EXPECTED = "bad_shape"
CASE = dict(sizes=[3, 4, 2], activations="tanh", loss="mse", lr=0.1, steps=3, dtype="float32")
