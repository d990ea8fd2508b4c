"""No false alarms: a correct learner, over random architectures, sizes, losses, dtypes, layouts and seeds,
passes every check. The learner is written here in plain NumPy, per sample (another summation order than
torch's), with keepdims biases or not; its activations are the registry's formulas (proven against torch in
tests/manual/test_activation_registry.py), any registered one with drawn parameters."""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import comparisons
from manual import parse_activation

HIDDEN = ["relu", "leaky_relu", "sigmoid", "tanh", "leaky_relu:0.2", "elu", "elu:0.5", "gelu", "gelu:tanh", "silu",
          "softplus", "softplus:2:10", "hardtanh", "hardtanh:-2:2"]


def F(name, z):
    return parse_activation(name).forward(z)


def DF(name, z, a):
    """f'(z), from a where code customarily writes it so."""
    chosen = parse_activation(name)
    return chosen.op.from_a(a, chosen.p) if chosen.op.from_a else chosen.from_z(z)


def reference_grad_fn(acts, output, loss, keepdims=False):
    """grad_fn(params, X, y) -> (loss, grads): backprop sample by sample, gradients summed over samples."""
    names = list(acts) + [output]

    def grad_fn(params, X, y):
        n_el = y.size
        total = [[np.zeros_like(W), np.zeros(W.shape[1], W.dtype)] for W, _ in params]
        value = 0.0
        for x, t in zip(X, y):
            zs, hs = [], [x]
            for (W, b), name in zip(params, names):
                zs.append(hs[-1] @ W + b)
                hs.append(F(name, zs[-1]))
            p = hs[-1]
            if loss == "bce":
                value += -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p)) / n_el
                d = (p - t) / n_el if output == "sigmoid" else None   # sigmoid' cancels BCE's 1/(p(1-p))
            else:
                scale = {"mse": 1 / n_el, "sum": 1.0, "half_sum": 0.5}[loss]
                value += scale * np.sum((p - t) ** 2)
                d = 2 * scale * (p - t) * DF(output, zs[-1], p)
            for k in reversed(range(len(params))):
                total[k][0] += np.outer(hs[k], d)
                total[k][1] += d
                if k:
                    d = (params[k][0] @ d) * DF(names[k - 1], zs[k - 1], hs[k])
        grads = [(dW, db.reshape(1, -1) if keepdims else db) for dW, db in total]
        return value, grads

    return grad_fn


def reference_step_fn(acts, output, loss):
    grad_fn = reference_grad_fn(acts, output, loss, keepdims=True)

    def step_fn(params, X, y, lr):
        _, grads = grad_fn(params, X, y)
        return [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]

    return step_fn


def column_major(grad_fn):
    """The same learner behind seed 003's layout: W (out, in), b (out, 1), x (features, N)."""
    def wrapped(params, x, y):
        value, grads = grad_fn([(W.T, b.ravel()) for W, b in params], x.T, y.T)
        return value, [(dW.T, np.reshape(db, (-1, 1))) for dW, db in grads]

    return wrapped


@st.composite
def architectures(draw):
    n_hidden = draw(st.integers(0, 3))
    sizes = draw(st.lists(st.integers(1, 6), min_size=n_hidden + 2, max_size=n_hidden + 2))
    acts = draw(st.lists(st.sampled_from(HIDDEN), min_size=n_hidden,
                         max_size=n_hidden))
    output = draw(st.sampled_from(["identity", "sigmoid"]))
    loss = draw(st.sampled_from(["mse", "sum", "half_sum"] + (["bce"] if output == "sigmoid" else [])))
    return dict(sizes=sizes, activations=acts, output=output, loss=loss, seed=draw(st.integers(0, 10**6)))


@given(architectures(), st.booleans(), st.sampled_from(["row", "column"]))
def test_correct_grad_fn_never_fails(arch, keepdims, layout):
    fn = reference_grad_fn(arch["activations"], arch["output"], arch["loss"], keepdims)
    fn = column_major(fn) if layout == "column" else fn
    report = comparisons.check_grad_fn(fn, layout=layout, **arch)
    assert report.passed, str(report)


@given(architectures(), st.sampled_from([0.5, 0.1, 0.01]), st.sampled_from([np.float64, np.float32]))
def test_correct_step_fn_never_fails(arch, lr, dtype):
    report = comparisons.check_step_fn(reference_step_fn(arch["activations"], arch["output"], arch["loss"]),
                                       lr=lr, steps=5, dtype=dtype, **arch)
    assert report.passed, str(report)


@given(architectures())
def test_correct_float32_learner_never_fails(arch):
    fn = reference_grad_fn(arch["activations"], arch["output"], arch["loss"])
    report = comparisons.check_grad_fn(fn, dtype=np.float32, **arch)
    assert report.passed, str(report)
