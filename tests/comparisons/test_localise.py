"""Localise before naming (comparisons/learner/localise.py): learners of our own, with a wrong activation
derivative that no mutant has or a wrong Linear backward in a middle layer, are told the layer and the place
(the first dL/dz from the loss that goes wrong on the N=1 probe), with the derivative the code implies beside
the true one, matched against the wrong forms of derivative_forms.py / linear_forms.py or "not a known form"."""
from __future__ import annotations

import numpy as np
import pytest

import comparisons
from comparisons.learner.derivative_forms import fitted_forms, wrong_forms
from comparisons.learner.hypotheses import Observation
from comparisons.learner.linear_forms import dx_forms
from comparisons.learner.localise import localised_diagnoses
from comparisons.learner.reference import backprop
from comparisons.learner.probes import design_probes
from comparisons.learner.spec import LearnerSpec
from manual.activation_spelling import parse_activation

NET = dict(sizes=[3, 4, 4, 2], output="identity", loss="mse")


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def leaky(s):
    return lambda z: np.where(z > 0, z, s * z)


FORWARD = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "sigmoid": sigmoid, "leaky_relu:0.2": leaky(0.2),
           "leaky_relu:0.05": leaky(0.05), "elu:2.0": lambda z: np.where(z > 0, z, 2.0 * np.expm1(np.minimum(z, 0)))}
RIGHT = {"tanh": lambda z, a: 1 - a * a, "relu": lambda z, a: (z > 0) * 1.0, "sigmoid": lambda z, a: a * (1 - a)}


def learner(act: str, deriv, *, dx=None, output="identity", layers=None):
    """A row-major grad_fn, MSE on an identity or sigmoid output, `act` in every hidden layer: deriv(z, a) is
    its f' (in the hidden layers listed in `layers`, default all; the right one elsewhere), dx(delta, params, k)
    the dL/dx of Linear k (default delta @ W_k.T)."""
    f = FORWARD[act]

    def grad_fn(params, X, y):
        zs, acts = [], [X]
        for i, (W, b) in enumerate(params):
            zs.append(acts[-1] @ W + b)
            last = i == len(params) - 1
            acts.append(f(zs[-1]) if not last else (sigmoid(zs[-1]) if output == "sigmoid" else zs[-1]))
        yhat = acts[-1]
        d = 2 * (yhat - y) / y.size
        if output == "sigmoid":
            d = d * (yhat * (1 - yhat))
        grads = []
        for k in reversed(range(len(params))):
            grads.append((acts[k].T @ d, d.sum(0)))
            if k:
                up = dx(d, params, k) if dx else d @ params[k][0].T
                h = deriv if layers is None or k - 1 in layers else RIGHT[act]
                d = up * h(zs[k - 1], acts[k])
        return float(np.mean((yhat - y) ** 2)), grads[::-1]

    return grad_fn


def torch_findings(report):
    return [f for f in report.findings if f.check in ("check_grad_matches_torch", "check_step_matches_torch")]


def assert_named(report, label: str, words: list[str]):
    diags = {f.parameter: f.diagnosis for f in torch_findings(report)}
    assert diags and {d.label for d in diags.values()} == {label}, str(report)
    text = "\n".join(f"{d.summary}\n{d.evidence}" for d in diags.values())
    for word in words:
        assert word in text, f"{word!r} not in:\n{text}"


FORMS = [  # (case, activation, f' as the code takes it, words the diagnosis must contain)
    ("tanh 1+a**2", "tanh", lambda z, a: 1 + a * a, ["layer 3 (Tanh), and the same in layer 1 (Tanh): f' taken as "
                                                     "1+a**2: the sign of a**2 is flipped (right: 1-a**2)"]),
    ("tanh (1-a)**2", "tanh", lambda z, a: (1 - a) ** 2, ["(1-a)**2: the square taken of 1-a"]),
    ("tanh 1-a", "tanh", lambda z, a: 1 - a, ["1-a: the square is missing (right: 1-a**2)"]),
    ("tanh as sigmoid's a(1-a)", "tanh", lambda z, a: a * (1 - a), ["a*(1-a), Sigmoid's derivative written from a"]),
    ("relu sign(z)", "relu", lambda z, a: np.sign(z), ["layer 3 (ReLU)", "sign(z) instead of [z>0]"]),
    ("relu mask inverted", "relu", lambda z, a: (z < 0) * 1.0, ["[z<0]: the ReLU mask inverted"]),
    ("leaky 0.2 at torch's default slope", "leaky_relu:0.2", lambda z, a: np.where(z > 0, 1.0, 0.01),
     ["layer 3 (LeakyReLU(0.2))", "the slope 0.01 (torch's default) for z<=0 instead of 0.2"]),
    ("leaky 0.2 at slope 0.3", "leaky_relu:0.2", lambda z, a: np.where(z > 0, 1.0, 0.3),
     ["the slope 0.3 for z<=0 instead of 0.2"]),
    ("leaky slope x z", "leaky_relu:0.05", lambda z, a: np.where(z > 0, 1.0, 0.05 * z),
     ["1 if z>0 else 0.05*z: slope x z, the value instead of the slope"]),
    ("leaky sides swapped", "leaky_relu:0.05", lambda z, a: np.where(z > 0, 0.05, 1.0), ["the two sides swapped"]),
    ("sigmoid value", "sigmoid", lambda z, a: a, ["layer 3 (Sigmoid)", "s = sigmoid(z), the value, instead of "
                                                  "s*(1-s)"]),
    ("sigmoid 1-s", "sigmoid", lambda z, a: 1 - a, ["1-s: the factor s of s*(1-s) is missing"]),
    ("tanh 2 x", "tanh", lambda z, a: 2 * (1 - a * a), ["f' taken as 2 x (1-a**2): a constant factor on the right "
                                                         "derivative"]),
    ("relu 0.5 x", "relu", lambda z, a: 0.5 * (z > 0), ["f' taken as 0.5 x ([a>0])"]),
    ("elu without alpha", "elu:2.0", lambda z, a: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))),
     ["layer 3 (ELU(2.0))", "exp(z): alpha is missing"]),
]


@pytest.mark.parametrize("act, deriv, words", [c[1:] for c in FORMS], ids=[c[0] for c in FORMS])
def test_a_wrong_derivative_outside_the_catalogue_is_named_with_its_layer_and_form(act, deriv, words):
    report = comparisons.check_grad_fn(learner(act, deriv), **NET, activations=act)
    assert_named(report, "wrong_activation_derivative",
                 words + ["first differs at layer 2 (Linear 4->4), just below", "to rel 0e+00 on every probe"])


UNKNOWN_FORMS = [
    ("tanh", lambda z, a: 1 - a * a + 0.1 * a, "layer 3 (Tanh)"),
    ("relu", lambda z, a: np.where(z > 0, 1.0, 0.3 * np.tanh(z)), "layer 3 (ReLU)"),
    ("leaky_relu:0.2", lambda z, a: np.where(z > 0, 1.0, 0.2 + 0.1 * z * z), "layer 3 (LeakyReLU(0.2))"),
]


@pytest.mark.parametrize("act, deriv, layer", UNKNOWN_FORMS, ids=[c[0] for c in UNKNOWN_FORMS])
def test_a_derivative_of_no_known_form_is_still_located(act, deriv, layer):
    """Never `unknown` with no place: the label stands with the layer, and the table shows yours beside f'."""
    report = comparisons.check_grad_fn(learner(act, deriv), **NET, activations=act)
    assert_named(report, "wrong_activation_derivative", [f"{layer}: f' is not a known form", "yours         true"])
    assert report.diagnosis.label == "wrong_activation_derivative"


def test_the_table_shows_the_implied_derivative_beside_the_true_one():
    """f'_implied = your dL/dz / (dL/dz above @ W.T) at the units with the largest upstream, sorted by z."""
    report = comparisons.check_grad_fn(learner("tanh", lambda z, a: 1 - a), **NET, activations="tanh")
    lines = report.diagnosis.evidence.split("\n")
    assert lines[1] == "f' at layer 3 (Tanh) on N=1, yours = your dL/dz / dL/da (the delta above @ W.T):"
    rows = [[float(x) for x in line.split()] for line in lines[3:]]
    assert len(rows) == 4 and [r[0] for r in rows] == sorted(r[0] for r in rows)
    for z, yours, true in rows:   # z is shown to 4 decimals (+-5e-5) and both slopes are at most 1 in |z|
        assert yours == pytest.approx(1 - np.tanh(z), abs=1e-4)
        assert true == pytest.approx(1 - np.tanh(z) ** 2, abs=1e-4)


def test_a_wrong_derivative_in_one_layer_names_that_layer_alone():
    """Only the lower tanh (layer 1) is wrong: dL/dz is right down to layer 2 (Linear 4->4)."""
    report = comparisons.check_grad_fn(learner("tanh", lambda z, a: 1 + a * a, layers={0}), **NET, activations="tanh")
    assert_named(report, "wrong_activation_derivative", ["layer 1 (Tanh): f' taken as 1+a**2",
                                                         "right down to layer 2 (Linear 4->4)"])
    assert {f.parameter for f in torch_findings(report)} == {"0.weight", "0.bias"}


def test_a_wrong_linear_backward_in_a_middle_layer_is_located():
    """dL/dx of the square middle Linear taken as delta @ W: right above it, wrong from the layer below."""
    dx = (lambda d, params, k: d @ params[k][0] if k == 1 else d @ params[k][0].T)
    report = comparisons.check_grad_fn(learner("tanh", RIGHT["tanh"], dx=dx), **NET, activations="tanh")
    assert_named(report, "wrong_linear_backward", ["layer 2 (Linear 4->4): the dL/dx its backward sends down is "
                                                   "delta @ W: W not transposed", "on every probe"])


def test_another_layers_weight_in_dx_is_located():
    dx = (lambda d, params, k: d @ params[k - 1][0].T if k == 2 else d @ params[k][0].T)
    net = dict(NET, sizes=[3, 4, 4, 4, 2])
    report = comparisons.check_grad_fn(learner("relu", RIGHT["relu"], dx=dx), **net, activations="relu")
    assert_named(report, "wrong_linear_backward", ["layer 4 (Linear 4->4): the dL/dx its backward sends down is "
                                                   "delta @ W.T with the W of layer 2 (Linear 4->4)"])


def test_a_weight_gradient_slip_above_does_not_stop_the_scan():
    """Linear 2's dW is off in no known way (its db, so the dL/dz reaching it, is right) and layer 1's f' is
    wrong: the dW stays unknown at its own layer, and the derivative below is still localised and named."""
    wrong = learner("tanh", lambda z, a: 1 + a * a, layers={0})

    def grad_fn(params, X, y):
        loss, grads = wrong(params, X, y)
        dW, db = grads[2]
        return loss, grads[:2] + [(dW + 0.1 * np.sin(7 * dW), db)]

    report = comparisons.check_grad_fn(grad_fn, **NET, activations="tanh")
    diags = {f.parameter: f.diagnosis for f in torch_findings(report)}
    assert diags["4.weight"].label == "unknown" and "db of layer 4 (Linear 4->2) matches" in diags["4.weight"].evidence
    assert {diags[p].label for p in ("0.weight", "0.bias")} == {"wrong_activation_derivative"}, str(report)
    assert diags["0.weight"].summary.startswith("layer 1 (Tanh): f' taken as 1+a**2")


def test_a_wrong_output_sigmoid_derivative_is_localised_at_the_output():
    """f' of the output sigmoid taken as s (no mutant has it): localised at the output layer itself."""
    def grad_fn(params, X, y):
        loss, grads = learner("tanh", RIGHT["tanh"], output="sigmoid")(params, X, y)
        return loss, grads

    def wrong(params, X, y):
        (W0, b0), (W1, b1) = params
        a0 = np.tanh(X @ W0 + b0)
        p = sigmoid(a0 @ W1 + b1)
        d1 = 2 * (p - y) / y.size * p
        d0 = d1 @ W1.T * (1 - a0 * a0)
        return float(np.mean((p - y) ** 2)), [(X.T @ d0, d0.sum(0)), (a0.T @ d1, d1.sum(0))]

    net = dict(sizes=[3, 5, 2], activations="tanh", output="sigmoid", loss="mse")
    assert comparisons.check_grad_fn(grad_fn, **net).passed
    report = comparisons.check_grad_fn(wrong, **net)
    assert_named(report, "wrong_activation_derivative", ["layer 3 (Sigmoid): f' taken as s = sigmoid(z), the value",
                                                         "the output layer, is the first to differ", "dL/dyhat"])


def test_a_step_fn_with_a_wrong_derivative_is_located():
    grad_fn = learner("leaky_relu:0.2", lambda z, a: np.where(z > 0, 1.0, 0.01))

    def step_fn(params, X, y, lr):
        _, grads = grad_fn(params, X, y)
        return [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]

    report = comparisons.check_step_fn(step_fn, **NET, activations="leaky_relu:0.2", lr=0.1, steps=2)
    assert_named(report, "wrong_activation_derivative", ["layer 3 (LeakyReLU(0.2))", "the slope 0.01"])


def test_a_float32_learner_is_located_at_float32_tolerance():
    def grad_fn(params, X, y):
        loss, grads = learner("tanh", lambda z, a: 1 - a)(params, X, y)
        return loss, [(dW.astype(np.float32), db.astype(np.float32)) for dW, db in grads]

    report = comparisons.check_grad_fn(grad_fn, **NET, activations="tanh", dtype=np.float32)
    assert_named(report, "wrong_activation_derivative", ["layer 3 (Tanh), and the same in layer 1 (Tanh): f' taken "
                                                         "as 1-a: the square is missing"])


@pytest.mark.parametrize("act", ["tanh", "relu", "sigmoid", "leaky_relu:0.2", "elu:2.0"])
def test_correct_learners_are_unaffected(act):
    deriv = RIGHT.get(act) or (lambda z, a: np.where(z > 0, 1.0, 0.2) if act.startswith("leaky") else
                               np.where(z > 0, 1.0, 2.0 * np.exp(np.minimum(z, 0))))
    report = comparisons.check_grad_fn(learner(act, deriv), **NET, activations=act)
    assert report.passed, str(report)


# ---- the pieces ----------------------------------------------------------------------------------------
def test_wrong_forms_read_their_activation_parameters():
    forms = {f.key: f for f in wrong_forms(parse_activation("leaky_relu:0.05"))}
    z = np.array([-2.0, 3.0])
    assert forms["leaky:slope*z"].text.startswith("1 if z>0 else 0.05*z")
    assert forms["leaky:slope*z"].h(z, z).tolist() == [-0.1, 1.0]
    assert forms["other:relu"].h(z, z).tolist() == [0.0, 1.0]
    assert "value" in forms and "negated" in forms and not any(f.fitted for f in forms.values())


def test_a_fitted_slope_is_read_off_the_negative_units():
    chosen = parse_activation("leaky_relu:0.2")
    z = np.array([-1.0, -0.5, 0.5, 2.0])
    u = np.array([0.3, -0.7, 1.1, 0.2])
    slope = next(f for f in fitted_forms(chosen, z, z, u, u * np.where(z > 0, 1.0, 0.125)) if f.key == "slope")
    assert slope.fitted and "the slope 0.125 for z<=0 instead of 0.2" in slope.text


def test_dx_forms_are_offered_where_the_shapes_let_the_code_run():
    s = LearnerSpec.create(sizes=[3, 4, 4, 5, 2], activations="relu", output="identity", loss="mse")
    assert [f.key for f in dx_forms(s, 1)] == ["no_transpose", "dW", "no_weight"]
    assert [f.key for f in dx_forms(s, 2)] == ["dW"]


def test_nothing_is_localised_without_an_n1_probe():
    s = LearnerSpec.create(**NET, activations="tanh")
    p = design_probes(s)[0]
    ref = backprop(s, p.params, p.X, p.y).grads
    yours = [(2 * dW, 2 * db) for dW, db in ref]
    obs = [Observation(p, yours, ref, [(1.0, 1.0)] * 3)]
    assert p.N == 3 and localised_diagnoses(s, obs, [(0, 0), (0, 1)], rtol=1e-7) == {}


# ---- a step_fn that steps once per sample (as Nielsen-style and video-tutorial code does) -----------------
def per_sample_step(*, stale: bool, output_derivative: bool = True):
    """Row-major sigmoid net, half_sum loss, one SGD step per sample in order; stale: the delta of the hidden
    layer is sent back through the output W already updated; output_derivative False: delta_o = o - t."""
    def step_fn(params, X, y, lr):
        (W0, b0), (W1, b1) = [(W.copy(), b.copy()) for W, b in params]
        for x, t in zip(X, y):
            h = sigmoid(x @ W0 + b0)
            o = sigmoid(h @ W1 + b1)
            d1 = (o - t) * (o * (1 - o) if output_derivative else 1.0)
            W1_old = W1.copy()
            W1 -= lr * np.outer(h, d1)
            b1 -= lr * d1
            d0 = d1 @ (W1 if stale else W1_old).T * h * (1 - h)
            W0 -= lr * np.outer(x, d0)
            b0 -= lr * d0
        return [(W0, b0), (W1, b1)]
    return step_fn


SIGMOID_NET = dict(sizes=[3, 6, 2], activations="sigmoid", output="sigmoid", loss="half_sum", lr=0.1, steps=2)


def test_stale_weights_in_a_per_sample_step_are_named_stale_weights():
    """Batch-dependent by design (a step per sample): on N=1 the delta is the stale one, never 'not a known form'."""
    assert {f.diagnosis.label for f in torch_findings(comparisons.check_step_fn(
        per_sample_step(stale=False), **SIGMOID_NET))} == {"batch_dependent"}
    report = comparisons.check_step_fn(per_sample_step(stale=True), **SIGMOID_NET)
    assert report.diagnosis.label == "stale_weights", str(report)
    text = str(report)
    assert "delta @ (W - lr*dW).T: W already updated by this step" in text
    assert "reproduces every number below on N=1, not on N > 1" in text


def test_an_output_derivative_left_out_keeps_its_label_when_the_step_is_per_sample():
    report = comparisons.check_step_fn(per_sample_step(stale=True, output_derivative=False), **SIGMOID_NET)
    assert report.diagnosis.label == "missing_output_activation_derivative", str(report)
    assert "layer 3 (Sigmoid): f' taken as 1 everywhere" in str(report)


def test_an_implied_derivative_below_zero_points_at_the_linear_above():
    """f'_implied < 0 where sigmoid' > 0 everywhere: said so, and the dL/dx of the Linear above is named first."""
    report = comparisons.check_grad_fn(learner("sigmoid", RIGHT["sigmoid"], dx=lambda d, p, k: d @ (p[k][0] ** 2).T),
                                       **NET, activations="sigmoid")
    assert report.diagnosis.label == "wrong_activation_derivative", str(report)
    text = str(report)
    assert "the f' your numbers imply is negative at" in text and "which no f' of layer 3 (Sigmoid) is" in text
    assert "look first at the dL/dx sent down by layer 4 (Linear 4->2)" in text
    assert "negative at" not in str(comparisons.check_grad_fn(learner("sigmoid", lambda z, a: a * a), **NET,
                                                               activations="sigmoid"))
