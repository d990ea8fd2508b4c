"""Correct learners never fail: a generic hand-written learner (row-major, its own forward and backward for every
registered activation with its parameters and every registered loss, written out below, not read from the
registries) passes check_grad_fn and check_step_fn over random sizes, activation parameters, losses (cross-entropy
with one-hot rows and with class indices), output layers, dtypes and probe seeds."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from net_strategies import PARAM_RANGES

import comparisons
from manual import ACTIVATION_REGISTRY, LOSS_REGISTRY

pytestmark = pytest.mark.usefixtures("one_torch_thread")
_erf = np.vectorize(math.erf, otypes=[float])


def _sigmoid(z):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def _gelu(z, approximate):
    """(GELU(z), GELU'(z)): z Phi(z), or torch's tanh approximation."""
    if approximate == "tanh":
        c = math.sqrt(2 / math.pi)
        t = np.tanh(c * (z + 0.044715 * z ** 3))
        return 0.5 * z * (1 + t), 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * c * (1 + 3 * 0.044715 * z * z)
    cdf = 0.5 * (1 + _erf(z / math.sqrt(2))).astype(z.dtype)
    return z * cdf, cdf + z * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def _softplus(z, beta, threshold):
    linear = beta * z > threshold
    with np.errstate(over="ignore"):
        return np.where(linear, z, np.log1p(np.exp(beta * z)) / beta), np.where(linear, 1.0, _sigmoid(beta * z))


ACTIVATIONS = {  # name -> (f(z), f'(z)), each as a learner writes it
    "relu": lambda z: (np.maximum(z, 0), (z > 0) * 1.0),
    "leaky_relu": lambda z, s=0.01: (np.where(z > 0, z, s * z), np.where(z > 0, 1.0, s)),
    "sigmoid": lambda z: (_sigmoid(z), _sigmoid(z) * (1 - _sigmoid(z))),
    "tanh": lambda z: (np.tanh(z), 1 - np.tanh(z) ** 2),
    "identity": lambda z: (z, np.ones_like(z)),
    "elu": lambda z, alpha=1.0: (np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0))),
                                 np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0)))),
    "gelu": lambda z, approximate="none": _gelu(z, approximate),
    "silu": lambda z: (z * _sigmoid(z), _sigmoid(z) * (1 + z * (1 - _sigmoid(z)))),
    "softplus": lambda z, beta=1.0, threshold=20.0: _softplus(z, beta, threshold),
    "hardtanh": lambda z, lo=-1.0, hi=1.0: (np.clip(z, lo, hi), ((z > lo) & (z < hi)) * 1.0),
}


def _one_hot(y, k):
    return np.eye(k)[y] if y.ndim == 1 else y


def _cross_entropy(out, y):
    shifted = out - out.max(1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(1, keepdims=True)
    return -(_one_hot(y, out.shape[1]) * np.log(p)).sum(), p - _one_hot(y, out.shape[1])


def _nll(out, y):
    pick = np.eye(out.shape[1])[y]
    return -(pick * out).sum(), -pick


def _smooth(d):
    return np.where(abs(d) < 1, 0.5 * d * d, abs(d) - 0.5).sum(), np.clip(d, -1, 1)


TERMS = {  # the loss's terms summed over every element, and their derivative by the output
    "squares": lambda o, y: (((o - y) ** 2).sum(), 2 * (o - y)),
    "bce": lambda o, y: (-(y * np.log(o) + (1 - y) * np.log(1 - o)).sum(), (o - y) / (o * (1 - o))),
    "bce_logits": lambda o, y: ((np.maximum(o, 0) - o * y + np.log1p(np.exp(-abs(o)))).sum(), _sigmoid(o) - y),
    "cross_entropy": _cross_entropy,
    "nll": _nll,
    "abs": lambda o, y: (abs(o - y).sum(), np.sign(o - y)),
    "smooth": lambda o, y: _smooth(o - y),
}
LOSSES = {  # name -> (terms, coefficient c(N, K)): L = c * sum of the terms
    "mse": ("squares", lambda n, k: 1 / (n * k)), "sum": ("squares", lambda n, k: 1.0),
    "half_sum": ("squares", lambda n, k: 0.5), "half_mse": ("squares", lambda n, k: 0.5 / (n * k)),
    "half_sum_mean": ("squares", lambda n, k: 0.5 / n),
    "bce": ("bce", lambda n, k: 1 / (n * k)), "bce_sum": ("bce", lambda n, k: 1.0),
    "bce_with_logits": ("bce_logits", lambda n, k: 1 / (n * k)),
    "cross_entropy": ("cross_entropy", lambda n, k: 1 / n), "cross_entropy_sum": ("cross_entropy", lambda n, k: 1.0),
    "nll": ("nll", lambda n, k: 1 / n),
    "l1": ("abs", lambda n, k: 1 / (n * k)), "smooth_l1": ("smooth", lambda n, k: 1 / (n * k)),
    "huber": ("smooth", lambda n, k: 1 / (n * k)),
}


def make_learner(hidden: list[tuple[str, tuple]], output: str, loss: str):
    """grad_fn(params, X, y) -> (loss, grads) and step_fn(params, X, y, lr), computing in X's dtype."""
    terms, coefficient = TERMS[LOSSES[loss][0]], LOSSES[loss][1]

    def grad_fn(params, X, y):
        acts, derivs = [X], []
        for k, (W, b) in enumerate(params):
            z = acts[-1] @ W + b
            name, args = hidden[k] if k < len(hidden) else (output, ())
            a, d = ACTIVATIONS[name](z, *args)
            acts.append(a.astype(X.dtype))
            derivs.append(np.asarray(d, X.dtype))
        c = coefficient(*acts[-1].shape)
        value, dout = terms(acts[-1], y)
        if output == "sigmoid" and LOSSES[loss][0] == "bce":   # dL/dz = c (a - y): no 0/0 where a rounds to 0 or 1
            delta = (c * (acts[-1] - y)).astype(X.dtype)
        else:
            delta = (c * dout * derivs[-1]).astype(X.dtype)
        grads = [None] * len(params)
        for k in reversed(range(len(params))):
            grads[k] = (acts[k].T @ delta, delta.sum(0))
            if k:
                delta = (delta @ params[k][0].T) * derivs[k - 1]
        return c * value, grads

    def step_fn(params, X, y, lr):
        _, grads = grad_fn(params, X, y)
        return [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]

    return grad_fn, step_fn


@st.composite
def activations(draw) -> tuple[str, tuple, str]:
    """(name, the learner's arguments, the spec's spelling 'leaky_relu:0.23'), parameters drawn in range."""
    op = ACTIVATION_REGISTRY[draw(st.sampled_from(sorted(ACTIVATION_REGISTRY)))]
    values = []
    for key, default in op.params.items():
        choice = st.sampled_from(op.choices[key]) if key in op.choices else PARAM_RANGES[key]
        values.append(draw(st.one_of(st.just(default), choice)))
    return op.name, tuple(values), ":".join([op.name, *map(str, values)])


@st.composite
def learner_cases(draw) -> dict:
    """A spec (sizes, activations, output, loss, targets, dtype, seed, kind) and the correct learner for it."""
    loss = draw(st.sampled_from(sorted(LOSS_REGISTRY)))
    op = LOSS_REGISTRY[loss]
    out = {"probability": st.just("sigmoid"), "logits": st.just("identity")}.get(
        op.input, st.sampled_from(["identity", "sigmoid"]))
    hidden = draw(st.lists(activations(), max_size=3))
    sizes = draw(st.lists(st.integers(1, 5), min_size=len(hidden) + 1, max_size=len(hidden) + 1))
    sizes.append(draw(st.integers(2 if op.classes else 1, 4)))
    spec = dict(sizes=sizes, activations=[h[2] for h in hidden], output=draw(out), loss=loss,
                targets=draw(st.sampled_from(op.targets)), dtype=draw(st.sampled_from(["float64", "float32"])),
                seed=draw(st.integers(0, 2 ** 16)))
    grad_fn, step_fn = make_learner([h[:2] for h in hidden], spec["output"], loss)
    if draw(st.booleans()):
        return dict(spec, check=comparisons.check_grad_fn, fn=grad_fn)
    return dict(spec, check=comparisons.check_step_fn, fn=step_fn, lr=draw(st.sampled_from([0.01, 0.1, 0.5])))


def check_correct(case: dict) -> None:
    """The learner passes every check."""
    case = dict(case)
    check, fn = case.pop("check"), case.pop("fn")
    report = check(fn, **case)
    assert report.passed, str(report)


@given(learner_cases())
def test_correct_learners_never_fail(case):
    check_correct(case)


def test_the_learner_covers_every_registered_activation_and_loss():
    """A newly registered activation or loss needs its formula here, or the property above cannot draw it."""
    assert set(ACTIVATIONS) == set(ACTIVATION_REGISTRY) and set(LOSSES) == set(LOSS_REGISTRY)
