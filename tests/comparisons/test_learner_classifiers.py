"""Softmax classifiers through the learner check: cross-entropy on the logits with one-hot rows or class indices
(targets="index"), softmax inside the learner's code and (p - y) / N returned, argmax of one-hot targets, a
stabilised log; loss values off by a named factor are named as gradients are; the finite-difference check names a
constant ratio to the learner's own loss."""
import numpy as np
import pytest

import comparisons
from comparisons.learner.probes import design_probes
from comparisons.learner.spec import LearnerSpec, LearnerSpecError
from comparisons.pytest_plugin import Parity

pytestmark = pytest.mark.usefixtures("one_torch_thread")
NET = dict(sizes=[3, 4, 3], activations="tanh", output="identity")


def make_classifier(*, eps=0.0, argmax=False, reduction="mean", loss_factor=1.0, grad_factor=1.0, seen=None):
    """grad_fn of a tanh net whose last layer gives logits: p = softmax(logits), L = -sum(Y log(p + eps)) / N
    (N = 1 for reduction 'sum'), dL/dlogits = (p - Y) / N. Y: y itself (one-hot rows), one-hot of y's argmax,
    or one-hot of y (class indices). loss_factor(n, k) and grad_factor(n, k) put a bug into L or the gradient."""
    def grad_fn(params, X, y):
        if seen is not None:
            seen.append((y.shape, str(y.dtype)))
        acts = [X]
        for W, b in params[:-1]:
            acts.append(np.tanh(acts[-1] @ W + b))
        logits = acts[-1] @ params[-1][0] + params[-1][1]
        n, k = logits.shape
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        eye = np.eye(k, dtype=X.dtype)
        Y = eye[y] if y.ndim == 1 else (eye[y.argmax(axis=1)] if argmax else y)
        c = 1 / n if reduction == "mean" else 1.0
        loss = -c * (Y * np.log(p + eps)).sum() * _factor(loss_factor, n, k)
        delta = c * (p - Y) * _factor(grad_factor, n, k)
        grads = [None] * len(params)
        for i in reversed(range(len(params))):
            grads[i] = (acts[i].T @ delta, delta.sum(axis=0))
            if i:
                delta = (delta @ params[i][0].T) * (1 - acts[i] ** 2)
        return loss, grads
    return grad_fn


def _factor(f, n, k):
    return f(n, k) if callable(f) else f


def as_step_fn(grad_fn):
    def step_fn(params, X, y, lr):
        _, grads = grad_fn(params, X, y)
        return [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]
    return step_fn


# ---- correct classifiers pass ----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("loss, reduction", [("cross_entropy", "mean"), ("cross_entropy_sum", "sum")])
@pytest.mark.parametrize("targets", ["one_hot", "index"])
def test_a_softmax_classifier_passes_in_both_target_forms(targets, loss, reduction, dtype):
    fn = make_classifier(reduction=reduction)
    report = comparisons.check_grad_fn(fn, loss=loss, targets=targets, dtype=dtype, **NET)
    assert report.passed, str(report)
    step = comparisons.check_step_fn(as_step_fn(fn), loss=loss, targets=targets, dtype=dtype, lr=0.5, **NET)
    assert step.passed, str(step)


def test_the_learner_receives_targets_in_the_chosen_form():
    one_hot, index = [], []
    comparisons.check_grad_fn(make_classifier(seen=one_hot), loss="cross_entropy", **NET)
    comparisons.check_grad_fn(make_classifier(seen=index), loss="cross_entropy", targets="index", **NET)
    assert {(shape[1:], dtype) for shape, dtype in one_hot} == {((3,), "float64")}
    assert {(len(shape), dtype) for shape, dtype in index} == {(1, "int64")}


def test_one_hot_probes_are_exact_rows_so_argmax_of_the_targets_is_right():
    spec = LearnerSpec.create(loss="cross_entropy", **NET)
    for probe in design_probes(spec):
        assert set(np.unique(probe.y)) <= {0.0, 1.0} and (probe.y.sum(axis=1) == 1).all()
    report = comparisons.check_grad_fn(make_classifier(argmax=True), loss="cross_entropy", **NET)
    assert report.passed, str(report)


def test_the_header_and_rerun_name_the_targets():
    text = str(comparisons.check_grad_fn(make_classifier(reduction="sum"), loss="cross_entropy", targets="index",
                                         **NET))
    assert "loss cross_entropy (targets index)" in text and "targets   class indices y (N,)" in text, text
    assert "loss='cross_entropy', targets='index'" in text, text


def test_the_pytest_fixture_passes_targets_through():
    Parity(nodeid="t").assert_grad_fn_correct(make_classifier(), loss="cross_entropy", targets="index", **NET)


# ---- a stabiliser in the loss ----------------------------------------------------------------------------
def test_a_stabilised_log_passes_with_a_note():
    report = comparisons.check_grad_fn(make_classifier(eps=1e-7), loss="cross_entropy", **NET)
    assert report.passed, str(report)
    note = next(n for n in report.notes if "stabiliser" in n)
    assert note.startswith("note      your loss differs from torch's by 4e-07 relative: a stabiliser such as "
                           "log(p + 1e-7) or clipping; the gradients match"), note


@pytest.mark.parametrize("dtype, off, passes", [
    ("float64", 5e-5, True), ("float64", 3e-4, False),
    ("float32", 3e-4, True), ("float32", 3e-3, False),   # float32: judged at the learner rtol 1e-3, as any value
])
def test_the_stabiliser_band_ends_at_1e_4_in_float64(dtype, off, passes):
    report = comparisons.check_grad_fn(make_classifier(loss_factor=1 + off), loss="cross_entropy", dtype=dtype, **NET)
    assert report.passed == passes, str(report)
    if not passes:
        loss = next(r for r in report.results if r.check == "check_loss_value")
        assert loss.status == "failed" and loss.message.startswith("loss value differs"), str(report)


def test_no_stabiliser_pass_when_a_gradient_is_wrong():
    report = comparisons.check_grad_fn(make_classifier(loss_factor=1 + 5e-5, grad_factor=2), loss="cross_entropy",
                                       **NET)
    assert {f.check for f in report.findings} >= {"check_loss_value", "check_grad_matches_torch"}, str(report)


# ---- named factors: the loss value as the gradient ---------------------------------------------------------
@pytest.mark.parametrize("loss, factor, text", [
    ("cross_entropy", 0.5, "1/2 x"), ("cross_entropy", 2.0, "2 x"),
    ("cross_entropy", lambda n, k: n, "N x"), ("cross_entropy", lambda n, k: 1 / n, "1/N x"),
    ("cross_entropy_sum", lambda n, k: 1 / n, "1/N x"),
])
def test_a_loss_value_off_by_a_factor_is_named_as_a_gradient_off_by_it(loss, factor, text):
    reduction = "sum" if loss.endswith("_sum") else "mean"
    value = comparisons.check_grad_fn(make_classifier(reduction=reduction, loss_factor=factor), loss=loss, **NET)
    grad = comparisons.check_grad_fn(make_classifier(reduction=reduction, grad_factor=factor), loss=loss, **NET)
    named = value.findings[0].diagnosis
    assert value.findings[0].check == "check_loss_value" and named.label == "wrong_scale", str(value)
    assert named.summary.startswith(f"the loss value is {text} torch's: "), named.summary
    assert grad.diagnosis.summary.startswith(f"{text}: "), str(grad)


@pytest.mark.parametrize("factor, text", [(0.5, "1/2 x"), (lambda n, k: 0.5 * k, "K/2 x"), (lambda n, k: n, "N x"),
                                          (lambda n, k: 1 / n, "1/N x"), (2.0, "2 x")])
def test_an_mse_loss_value_off_by_a_factor_is_named(factor, text):
    def grad_fn(params, X, y):
        out = X @ params[0][0] + params[0][1]
        n, k = out.shape
        return ((out - y) ** 2).mean() * _factor(factor, n, k), [(X.T @ (2 * (out - y) / out.size),
                                                                    (2 * (out - y) / out.size).sum(0))]

    report = comparisons.check_grad_fn(grad_fn, sizes=[3, 3], activations=[], loss="mse")
    assert report.diagnosis.summary.startswith(f"the loss value is {text} torch's: "), str(report)


# ---- finite differences name a constant ratio to the learner's own loss -------------------------------------
@pytest.mark.parametrize("grad_factor, text", [(lambda n, k: n, "N x"), (0.5, "1/2 x")])
def test_finite_differences_name_a_constant_ratio_to_your_own_loss(grad_factor, text):
    report = comparisons.check_grad_fn(make_classifier(grad_factor=grad_factor), loss="cross_entropy", **NET)
    fd = next(f for f in report.findings if f.check == "check_grad_matches_finite_diff")
    assert fd.diagnosis.label == "wrong_scale", str(report)
    assert fd.diagnosis.summary.startswith(f"your gradient is {text} the gradient of your own loss"), str(report)
    assert "ratio to finite differences of your own loss = " in fd.diagnosis.evidence, str(report)


def test_a_gradient_that_is_no_multiple_of_your_own_loss_still_blames_backprop():
    def grad_fn(params, X, y):
        loss, grads = make_classifier()(params, X, y)
        (dW, db), rest = grads[0], grads[1:]
        return loss, [(dW + 0.1 * np.sin(7 * dW), db), *rest]

    report = comparisons.check_grad_fn(grad_fn, loss="cross_entropy", **NET)
    fd = next(f for f in report.findings if f.check == "check_grad_matches_finite_diff")
    assert "so the bug is in backprop" in fd.diagnosis.evidence, str(report)


# ---- what is refused ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, words", [
    (dict(loss="mse", targets="index"), "loss 'mse' takes targets 'real': real values y (N, K)"),
    (dict(loss="nll", targets="one_hot"), "loss 'nll' takes targets 'index': class indices y (N,)"),
    (dict(loss="cross_entropy", targets="indices"), "targets must be one of real, binary, one_hot, index"),
    (dict(loss="cross_entropy", targets="index", layout="column"), "targets='index' is not taken with "
                                                                   "layout='column'"),
])
def test_targets_the_loss_does_not_take_are_refused(kwargs, words):
    with pytest.raises(LearnerSpecError, match=words.replace("(", r"\(").replace(")", r"\)")):
        comparisons.check_grad_fn(make_classifier(), **{**NET, **kwargs})
