"""The diagnosis engine: each classic bug, injected into a small inline learner, is caught and named with
its evidence, and so are two or three bugs at once (composite.py); and the pieces (named factors and their
products, combined knobs, exception reading, where the error starts) on their own."""
from __future__ import annotations

import numpy as np
import pytest
from learner_zoo import make_grad_fn, make_step_fn

import comparisons
from comparisons.learner.composite import combine
from comparisons.learner.diagnose import best_diagnosis, explain_exception, where_it_starts
from comparisons.learner.labels import LABELS
from comparisons.learner.spec import LearnerSpec
from comparisons.learner.mutants import mutants_for
from comparisons.learner.reference import Knobs
from comparisons.report import Diagnosis
from comparisons.learner.scale import Factor, RatioFit, match_factor, named_factors, named_products

NET = dict(sizes=[3, 4, 4, 2], activations="tanh", output="identity", loss="mse")

GRAD_CASES = [  # (bug, spec overrides, label, words the summary or evidence must contain)
    ("sum_for_mean", dict(sizes=[3, 4, 4, 1]), "wrong_scale", ["N x", "sum instead of mean", "8.000 on N=8"]),
    ("sum_for_mean", dict(), "wrong_scale", ["N*K x", "K = 2 outputs"]),
    ("half", dict(), "wrong_scale", ["1/2 x", "without the factor 2"]),
    ("sum_for_mean", dict(loss="bce", output="sigmoid", sizes=[3, 4, 4, 1]), "wrong_scale", ["N x"]),
    ("sign", dict(), "wrong_sign", ["-1 x", "-1.000 on N=3"]),
    ("transpose", dict(sizes=[4, 4, 4, 4]), "transposed", ["transpose", "square"]),
    ("transpose", dict(), "transposed", ["(4, 3)", "its transpose"]),
    ("bias_first", dict(), "bias_not_summed", ["first sample"]),
    ("bias_mean", dict(), "bias_not_summed", ["averaged"]),
    ("bias_rows", dict(), "bias_not_summed", ["one entry per sample"]),
    ("deriv_on_z", dict(activations="sigmoid"), "wrong_activation_derivative", ["z*(1-z)", "layer 1 (Sigmoid)"]),
    ("deriv_on_z", dict(activations="tanh"), "wrong_activation_derivative", ["1-z**2"]),
    ("relu_mask", dict(activations="leaky_relu"), "wrong_activation_derivative", ["LeakyReLU", "slope 0.01"]),
    ("no_output_deriv", dict(output="sigmoid"), "missing_output_activation_derivative", ["dL/da * a*(1-a)"]),
    ("cache_prev", dict(sizes=[3, 3, 3, 2]), "cache_off_by_one", ["layer before"]),
    ("accumulate", dict(), "grad_accumulation", ["previous call"]),
    ("batch_last", dict(), "batch_dependent", ["batch size 1", "on N=1"]),
]


@pytest.mark.parametrize("bug, overrides, label, words", GRAD_CASES,
                         ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(GRAD_CASES)])
def test_grad_bug_is_named(bug, overrides, label, words):
    spec = {**NET, **overrides}
    report = comparisons.check_grad_fn(make_grad_fn(spec["activations"], spec["output"], spec["loss"], bug), **spec)
    assert not report.passed
    assert report.diagnosis.label == label, str(report)
    text = f"{report.diagnosis.summary} {report.diagnosis.evidence}"
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"


STEP_CASES = [
    ("stale", "stale_weights", ["NEW W_k"]),
    ("lr_twice", "lr_applied_twice", ["lr x", "(lr 0.05)"]),
    ("lr_ignored", "lr_applied_twice", ["ignored", "lr = 0.1"]),
    ("sign_update", "wrong_sign", ["-1 x"]),
    ("accumulate", "grad_accumulation", ["previous call"]),
    ("sum_for_mean", "wrong_scale", ["N*K x"]),
]


@pytest.mark.parametrize("bug, label, words", STEP_CASES, ids=[c[0] for c in STEP_CASES])
def test_step_bug_is_named(bug, label, words):
    report = comparisons.check_step_fn(make_step_fn("tanh", bug=bug), **NET, lr=0.2, steps=3)
    assert report.diagnosis.label == label, str(report)
    for word in words:
        assert word in f"{report.diagnosis.summary} {report.diagnosis.evidence}"


def test_a_bug_in_one_layer_is_named_for_that_layer():
    """Only the second tanh's derivative is taken on z: the label names layer 3, not layer 1."""
    def grad_fn(params, X, y):
        good = make_grad_fn("tanh")(params, X, y)
        (W0, b0), (W1, b1), (W2, b2) = params
        z0 = X @ W0 + b0
        a0 = np.tanh(z0)
        z1 = a0 @ W1 + b1
        a1 = np.tanh(z1)
        d2 = 2 * (a1 @ W2 + b2 - y) / y.size
        d1 = d2 @ W2.T * (1 - z1 ** 2)
        d0 = d1 @ W1.T * (1 - a0 ** 2)
        return good[0], [(X.T @ d0, d0.sum(0)), (a0.T @ d1, d1.sum(0)), (a1.T @ d2, d2.sum(0))]

    report = comparisons.check_grad_fn(grad_fn, **NET)
    assert report.diagnosis.label == "wrong_activation_derivative"
    assert report.diagnosis.summary.startswith("layer 3 (Tanh):")
    in_torch_check = {f.parameter for f in report.findings if f.check == "check_grad_matches_torch"}
    assert in_torch_check == {"0.weight", "0.bias", "2.weight", "2.bias"}


def test_two_bugs_get_one_label_each():
    """db averaged on every layer and dW transposed on the square one: no single hypothesis explains both."""
    def grad_fn(params, X, y):
        loss, grads = make_grad_fn("tanh", bug="bias_mean")(params, X, y)
        grads[1] = (grads[1][0].T, grads[1][1])
        return loss, grads

    report = comparisons.check_grad_fn(grad_fn, **NET)
    by_param = {f.parameter: f.label for f in report.findings if f.check == "check_grad_matches_torch"}
    assert by_param["2.weight"] == "transposed"
    assert {by_param[p] for p in ("0.bias", "2.bias", "4.bias")} == {"bias_not_summed"}


LEAKY = dict(sizes=[2, 5, 5, 2], activations="leaky_relu", output="identity", loss="mse")
OUTPUT, INNER = ("4.weight", "4.bias"), ("0.weight", "0.bias", "2.weight", "2.bias")
COMPOSITE_CASES = [  # (bugs, net, label of the output layer, of the inner layers, words of the inner summary)
    (("stale", "sum_for_mean"), NET, "wrong_scale", "stale_weights",
     ["stale weights", "+ a loss gradient N*K x the mean's (sum instead of mean)"]),
    (("stale", "lr_twice"), NET, "lr_applied_twice", "stale_weights",
     ["stale weights", "+ the learning rate applied twice"]),
    (("stale", "sign_update"), NET, "wrong_sign", "stale_weights", ["stale weights", "+ the opposite sign"]),
    (("deriv_on_z", "sum_for_mean"), NET, "wrong_scale", "wrong_activation_derivative",
     ["1-z**2 instead of 1-a**2", "+ a loss gradient N*K x"]),
    (("relu_mask", "stale", "lr_not_applied"), LEAKY, "lr_applied_twice", "wrong_activation_derivative",
     ["ReLU mask [z>0] on a LeakyReLU", "+ stale weights", "+ the learning rate not applied (p - grad)",
      "steps with lr = 1, not the lr passed"]),
]


@pytest.mark.parametrize("bugs, net, out_label, in_label, words", COMPOSITE_CASES,
                         ids=["+".join(c[0]) for c in COMPOSITE_CASES])
def test_two_bugs_at_once_are_named_together(bugs, net, out_label, in_label, words):
    """The output layer gets the factor (which alone touches it), the layers below the structural bug, and
    the summary names every part, with the fit showing it reproduces the learner's numbers."""
    report = comparisons.check_step_fn(make_step_fn(net["activations"], bug=bugs), **net, lr=0.2, steps=3)
    found = {f.parameter: f for f in report.findings if f.check == "check_step_matches_torch"}
    assert {p: found[p].label for p in OUTPUT} == {p: out_label for p in OUTPUT}, str(report)
    assert {p: found[p].label for p in INNER} == {p: in_label for p in INNER}, str(report)
    inner = found["0.weight"].diagnosis
    for word in words:
        assert word in f"{inner.summary} {inner.evidence}", f"{word!r} not in {inner}"
    assert inner.evidence.startswith("reproduces your numbers to rel")


def test_a_product_of_two_factors_names_both():
    """No learning rate in the update and the MSE gradient without its 2: 1/(2 lr) x torch on every tensor."""
    report = comparisons.check_step_fn(make_step_fn("tanh", bug=("lr_not_applied", "half")), **NET, lr=0.2)
    d = report.diagnosis
    assert set(report.labels) == {"lr_applied_twice"} and d.summary.startswith("1/(2*lr) x: "), str(report)
    assert "the learning rate not applied" in d.summary and "mean without the factor 2" in d.summary


def test_two_mutants_without_a_factor_in_a_grad_fn():
    """ReLU mask on the LeakyReLUs and db from the first sample: a db below the output needs both."""
    report = comparisons.check_grad_fn(make_grad_fn("leaky_relu", bug=("relu_mask", "bias_first")), **LEAKY)
    found = {f.parameter: f for f in report.findings if f.check == "check_grad_matches_torch"}
    assert found["4.bias"].label == "bias_not_summed" and found["0.weight"].label == "wrong_activation_derivative"
    both = found["0.bias"].diagnosis
    assert both.label == "wrong_activation_derivative" and "+ db is taken from the first sample only" in both.summary


def test_composites_leave_an_unexplained_bug_unknown():
    """A bug no hypothesis or pair of hypotheses reproduces stays unknown: no label is forced on it."""
    def step_fn(params, X, y, lr):
        new = make_step_fn("tanh", bug="stale")(params, X, y, lr)
        W, b = new[0]
        return [(W + 0.01 * np.sin(7 * W), b)] + new[1:]

    report = comparisons.check_step_fn(step_fn, **NET, lr=0.2)
    found = {f.parameter: f.label for f in report.findings if f.check == "check_step_matches_torch"}
    assert found["0.weight"] == "unknown" and found["0.bias"] == "stale_weights", str(report)


def test_combine_switches_two_bugs_on_or_refuses():
    assert combine(Knobs(hidden={0: "relu_mask"}), Knobs(stale=True)) == Knobs(hidden={0: "relu_mask"}, stale=True)
    assert combine(Knobs(hidden={0: "relu_mask"}), Knobs(hidden={1: "missing"})).hidden == {0: "relu_mask",
                                                                                            1: "missing"}
    assert combine(Knobs(hidden={0: "relu_mask"}), Knobs(hidden={0: "missing"})) is None
    assert combine(Knobs(bias="first"), Knobs(bias="mean")) is None


def test_named_products_are_new_values_with_at_most_one_lr_part():
    s = spec()
    singles, products = named_factors(s, step=True), named_products(s, step=True)
    keys = {(f.coef, f.pn, f.pk, f.pl) for f in singles}
    assert products and all((p.coef, p.pn, p.pk, p.pl) not in keys for p in products)
    assert all(len(p.parts) == 2 and sum(bool(q.pl) for q in p.parts) <= 1 for p in products)
    k_over_lr = next(p for p in products if (p.coef, p.pn, p.pk, p.pl) == (1, 0, 1, -1))
    assert k_over_lr.label == "lr_applied_twice" and k_over_lr.text(2) == "K/lr x"
    assert k_over_lr.meaning.startswith("the learning rate not applied (p - grad), and ")
    assert not named_products(s, step=False) or all(p.pl == 0 for p in named_products(s, step=False))


def test_unknown_bug_says_so_and_shows_where_it_starts():
    def grad_fn(params, X, y):
        loss, grads = make_grad_fn("tanh")(params, X, y)
        dW, db = grads[0]
        return loss, [(dW + 0.1 * np.sin(dW * 7), db)] + grads[1:]

    report = comparisons.check_grad_fn(grad_fn, **NET)
    d = report.diagnosis
    assert d.label == "unknown" and "no known label fits" in d.summary
    assert "rel to torch" in d.evidence and "db of layer 0 (Linear 3->4) matches" in d.evidence


def test_every_label_used_is_documented():
    for case in GRAD_CASES:
        assert case[2] in LABELS
    s = spec(activations="sigmoid", output="sigmoid", sizes=[4, 4, 4, 1])
    assert {m.label for m in mutants_for(s, step=True)} | {f.label for f in named_factors(s, step=True)} <= set(LABELS)
    assert {"raised", "bad_structure", "bad_shape", "non_finite", "mutates_input", "unknown"} <= set(LABELS)


# ---- the pieces ----------------------------------------------------------------------------------------
def spec(**kw) -> LearnerSpec:
    return LearnerSpec.create(**{**NET, **kw})


@pytest.mark.parametrize("factor, k, text", [
    (Factor("", "wrong_scale", 1, pn=1, pk=1), 1, "N x"),
    (Factor("", "wrong_scale", 1, pn=1, pk=1), 2, "N*K x"),
    (Factor("", "wrong_scale", 0.5, pn=1, pk=1), 3, "N*K/2 x"),
    (Factor("", "wrong_scale", 1, pn=-1), 1, "1/N x"),
    (Factor("", "wrong_scale", 2, pn=-1, pk=-1), 2, "2/(N*K) x"),
    (Factor("", "wrong_sign", -1), 1, "-1 x"),
    (Factor("", "lr_applied_twice", 1, pl=-1), 1, "1/lr x"),
])
def test_factor_text(factor, k, text):
    assert factor.text(k) == text


def test_named_factors_drop_those_that_equal_one_for_this_k():
    """With one output, 'mean over the batch only' IS the mean: it must not be offered as a bug."""
    meanings = [f.meaning for f in named_factors(spec(sizes=[3, 4, 1]))]
    assert not any("batch only" in m and "instead" in m and "sign" not in m for m in meanings)
    assert any("batch only" in f.meaning for f in named_factors(spec(sizes=[3, 4, 2])))


def test_match_factor_needs_every_probe():
    s = spec(sizes=[3, 4, 1])
    factors = named_factors(s)
    sum_fit = RatioFit((3, 1, 8), (None,) * 3, (3.0, 1.0, 8.0))
    assert match_factor(sum_fit, s, factors, 1e-7)[0].meaning == "sum instead of mean"
    assert match_factor(RatioFit((3, 1, 8), (None,) * 3, (3.0, 1.0, 7.0)), s, factors, 1e-7) == []


def test_explain_exception_reads_numpy_shapes():
    s = spec(sizes=[2, 4, 1])
    transposed = ValueError("operands could not be broadcast together with shapes (2,4) (4,2)")
    assert explain_exception(s, transposed, 3).label == "transposed"
    unsummed = ValueError("non-broadcastable output operand with shape (4,) doesn't match the broadcast shape (3,4)")
    assert explain_exception(s, unsummed, 3).label == "bias_not_summed"
    other = explain_exception(s, KeyError("w1"), 3)
    assert (other.label, other.summary) == ("raised", "KeyError: 'w1'")


def test_where_it_starts():
    s = spec()
    assert "dW of that layer" in where_it_starts(s, [(1, 0)])
    assert "loss derivative" in where_it_starts(s, [(2, 0), (2, 1), (1, 0)])
    assert "derivative of layer 3 (Tanh)" in where_it_starts(s, [(1, 0), (1, 1), (0, 0)])


def test_best_diagnosis_prefers_a_named_label():
    unknown, scale = Diagnosis("unknown", "?"), Diagnosis("wrong_scale", "N x")
    assert best_diagnosis({(0, 0): unknown, (0, 1): scale, (1, 0): scale}) is scale
    assert best_diagnosis({(0, 0): unknown}) is unknown
    assert best_diagnosis({}) is None


def _per_sample_step(share_lr: bool):
    """A 2-4-1 tanh MSE step_fn updating after every row (lr, or lr/N per row): online SGD, not a batch step."""
    def step_fn(params, X, y, lr):
        (W1, b1), (W2, b2) = [(W.copy(), b.copy()) for W, b in params]
        rate = lr / len(X) if share_lr else lr
        for x, t in zip(X, y):
            a1 = np.tanh(x @ W1 + b1)
            d2 = 2 * (a1 @ W2 + b2 - t) / t.size
            d1 = (d2 @ W2.T) * (1 - a1 ** 2)
            W2 -= rate * np.outer(a1, d2)
            b2 -= rate * d2
            W1 -= rate * np.outer(x, d1)
            b1 -= rate * d1
        return [(W1, b1), (W2, b2)]
    return step_fn


@pytest.mark.parametrize("share_lr, text", [(False, "each with lr "), (True, "each with lr/N ")])
def test_one_sgd_step_per_sample_is_named_and_reproduced(share_lr, text):
    report = comparisons.check_step_fn(_per_sample_step(share_lr), sizes=[2, 4, 1], activations="tanh", loss="mse",
                                       lr=0.1)
    finding = report.findings[0]
    assert finding.label == "batch_dependent" and "one SGD step per sample" in str(report), str(report)
    assert text in str(report) and "reproduces your numbers" in str(report)


def test_bias_gradients_that_are_exactly_zero_are_named_as_a_network_without_biases():
    """A learner whose network has no biases returns db = 0: the 0 x factor says what that likely means."""
    def no_bias(params, X, y):
        (W1, _), (W2, _) = params
        a1 = np.tanh(X @ W1)
        d2 = 2 * (a1 @ W2 - y) / y.size
        d1 = (d2 @ W2.T) * (1 - a1 ** 2)
        return float(np.mean((a1 @ W2 - y) ** 2)), [(X.T @ d1, np.zeros(W1.shape[1])), (a1.T @ d2, np.zeros(1))]
    report = comparisons.check_grad_fn(no_bias, sizes=[2, 4, 1], activations="tanh", loss="mse")
    assert not report.passed and "a network without biases" in str(report), str(report)
