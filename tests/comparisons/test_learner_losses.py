"""Every registered loss through the learner check: a correct hand-written learner (its own loss value and
dL/dyhat, written out below) passes on targets in the loss's form; a reduction slip is named from the
registry's coefficients. tests/test_registries.py checks that CORRECT names every entry."""
import numpy as np
import pytest

import comparisons
from manual import LOSS_REGISTRY


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def loss_and_grad(name: str, out: np.ndarray, y: np.ndarray):
    """(L, dL/dout) as a learner writes them, for each registered loss."""
    n, k = out.shape
    if name in ("mse", "sum", "half_sum", "half_mse", "half_sum_mean"):
        c = {"mse": 1 / (n * k), "sum": 1, "half_sum": 0.5, "half_mse": 0.5 / (n * k), "half_sum_mean": 0.5 / n}[name]
        return c * ((out - y) ** 2).sum(), 2 * c * (out - y)
    if name in ("bce", "bce_sum"):
        c = 1 / (n * k) if name == "bce" else 1
        return -c * (y * np.log(out) + (1 - y) * np.log(1 - out)).sum(), c * (out - y) / (out * (1 - out))
    if name == "bce_with_logits":
        return (np.maximum(out, 0) - out * y + np.log1p(np.exp(-abs(out)))).mean(), (_sigmoid(out) - y) / (n * k)
    if name in ("cross_entropy", "cross_entropy_sum"):
        c = 1 / n if name == "cross_entropy" else 1
        y = np.eye(k)[y] if y.ndim == 1 else y    # class indices (targets="index") as one-hot rows
        shifted = out - out.max(1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
        return -c * (y * logp).sum(), c * (np.exp(logp) - y)      # p - y: the softmax folded into the loss
    if name == "nll":
        g = np.zeros_like(out)
        g[np.arange(n), y] = -1 / n
        return -out[np.arange(n), y].mean(), g
    d = out - y
    if name == "l1":
        return abs(d).mean(), np.sign(d) / (n * k)
    return np.where(abs(d) < 1, 0.5 * d * d, abs(d) - 0.5).mean(), np.clip(d, -1, 1) / (n * k)   # smooth_l1, huber


def make_grad_fn(name: str, output: str):
    """tanh hidden layers; the output layer's activation as the spec declares it."""
    def grad_fn(params, X, y):
        acts = [X]
        for k, (W, b) in enumerate(params):
            z = acts[-1] @ W + b
            last = k == len(params) - 1
            acts.append((_sigmoid(z) if output == "sigmoid" else z) if last else np.tanh(z))
        loss, delta = loss_and_grad(name, acts[-1], y)
        if output == "sigmoid":
            delta = delta * acts[-1] * (1 - acts[-1])
        grads = [None] * len(params)
        for k in reversed(range(len(params))):
            grads[k] = (acts[k].T @ delta, delta.sum(0))
            if k:
                delta = (delta @ params[k][0].T) * (1 - acts[k] ** 2)
        return loss, grads
    return grad_fn


def _output(name: str) -> str:
    return "sigmoid" if LOSS_REGISTRY[name].input == "probability" else "identity"


CORRECT = list(LOSS_REGISTRY)


@pytest.mark.parametrize("name, targets", [(name, t) for name in CORRECT for t in LOSS_REGISTRY[name].targets])
def test_correct_learner_passes(name, targets):
    report = comparisons.check_grad_fn(make_grad_fn(name, _output(name)), sizes=[3, 4, 3], activations="tanh",
                                       output=_output(name), loss=name, targets=targets)
    assert report.passed, str(report)


@pytest.mark.parametrize("theirs, declared, named", [
    ("cross_entropy_sum", "cross_entropy", "N x: sum instead of mean"),
    ("half_mse", "mse", "1/2 x: half_mean instead of mean: the mean without the factor 2"),
    ("half_sum_mean", "half_sum", "1/N x: half_sum_mean instead of half_sum"),
    ("sum", "half_sum_mean", "2*N x: sum instead of half_sum_mean"),
])
def test_a_reduction_slip_is_named_from_the_registry(theirs, declared, named):
    report = comparisons.check_grad_fn(make_grad_fn(theirs, "identity"), sizes=[3, 4, 3], activations="tanh",
                                       output="identity", loss=declared)
    assert not report.passed and named in str(report), str(report)
