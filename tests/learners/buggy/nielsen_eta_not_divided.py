"""Bug: Nielsen's per-sample loop, column-major, with the quadratic cost averaged over the batch, but the
update is w - eta * nabla_w: the nablas are summed over the batch and never divided by its size."""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def update_mini_batch(params, x, y, eta):
    nabla = [(np.zeros(w.shape), np.zeros(b.shape)) for w, b in params]
    for i in range(x.shape[1]):
        activations = [x[:, [i]]]
        for w, b in params:
            activations.append(sigmoid(w @ activations[-1] + b))
        delta = (activations[-1] - y[:, [i]]) * activations[-1] * (1 - activations[-1])
        for k in range(len(params) - 1, -1, -1):
            nw, nb = nabla[k]
            nabla[k] = (nw + delta @ activations[k].T, nb + delta)
            if k:
                a = activations[k]
                delta = params[k][0].T @ delta * a * (1 - a)
    return [(w - eta * nw, b - eta * nb) for (w, b), (nw, nb) in zip(params, nabla)]


LEARNER = update_mini_batch
EXPECTED = "wrong_scale"
CASE = dict(sizes=[2, 4, 4, 1], activations="sigmoid", output="sigmoid", loss="half_sum_mean", layout="column",
            lr=0.5, steps=3)
