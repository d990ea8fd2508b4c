"""Learner checks with any registered activation and its parameters: a correct learner passes, a wrong
derivative is flagged, the mutants and the report use the given parameter, bad spellings are refused."""
import numpy as np
import pytest
from learner_zoo import make_grad_fn

import comparisons
from comparisons.cli import main
from comparisons.learner.spec import LearnerSpecError
from manual import ACTIVATION_REGISTRY

NET = dict(sizes=[3, 5, 4, 2], output="identity", loss="mse")
CORRECT = ["leaky_relu:0.05", "elu:1.0", "elu:0.5", "gelu", "gelu:tanh", "silu", "softplus", "softplus:2:10",
           "hardtanh", "hardtanh:-2:0.5"]


def test_every_registered_activation_has_a_learner_check_case():
    assert {a.split(":")[0] for a in CORRECT} | {"relu", "leaky_relu", "sigmoid", "tanh", "identity"} == set(
        ACTIVATION_REGISTRY)


@pytest.mark.parametrize("acts", CORRECT)
def test_correct_learner_passes(acts):
    report = comparisons.check_grad_fn(make_grad_fn(acts), activations=acts, **NET)
    assert report.passed, str(report)


def test_a_slope_other_than_the_default_is_the_learners_and_is_reported():
    report = comparisons.check_grad_fn(make_grad_fn("leaky_relu:0.05"), activations="leaky_relu:0.05", **NET)
    assert report.passed and "LeakyReLU(0.05)" in str(report), str(report)
    wrong = comparisons.check_grad_fn(make_grad_fn("leaky_relu:0.05"), activations="leaky_relu", **NET)
    assert not wrong.passed


@pytest.mark.parametrize("acts", ["elu", "gelu", "silu", "softplus", "hardtanh:-0.5:0.5"])
def test_a_wrong_derivative_of_a_new_activation_is_flagged(acts):
    report = comparisons.check_grad_fn(make_grad_fn(acts, bug="deriv_wrong"), activations=acts, **NET)
    assert not report.passed
    assert "check_grad_matches_torch" in [r.check for r in report.results if r.status == "failed"]


def test_elu_derivative_taken_on_z_is_named():
    report = comparisons.check_grad_fn(make_grad_fn("elu:0.5", bug="deriv_on_z"), activations="elu:0.5", **NET)
    assert report.findings[0].label == "wrong_activation_derivative", str(report)
    assert "1 if z>0 else z+0.5 instead of 1 if a>0 else a+0.5" in str(report)


def test_relu_mask_mutant_uses_the_given_slope():
    report = comparisons.check_grad_fn(make_grad_fn("leaky_relu:0.2", bug="relu_mask"), activations="leaky_relu:0.2",
                                       **NET)
    assert report.findings[0].label == "wrong_activation_derivative" and "the slope 0.2 for z<=0" in str(report)


def test_cli_takes_the_parameter_spelling(capsys):
    code = main(["check", "tests/learners/correct/leaky_relu_slope_02.py:grad_fn", "--sizes", "3,5,2",
                 "--activations", "leaky_relu:0.2"])
    out = capsys.readouterr().out
    assert code == 0 and "LeakyReLU(0.2)" in out and "--activations leaky_relu:0.2" not in out, out
    code = main(["check", "tests/learners/correct/leaky_relu_slope_02.py:grad_fn", "--sizes", "3,5,2",
                 "--activations", "leaky_relu"])
    assert code == 1 and "rerun" in capsys.readouterr().out


@pytest.mark.parametrize("acts, words", [
    ("leaky_relu:abc", ["'leaky_relu:abc' for hidden layer 0", "negative_slope must be a finite number",
                        "leaky_relu:0.01 or leaky_relu(negative_slope=0.01)"]),
    ("elu:1:2:3", ["elu takes 1 parameter(s) (alpha), got 3", "elu:1.0"]),
    ("swish", ["unknown activation 'swish' for hidden layer 0", "softplus", "leaky_relu:0.05"])])
def test_bad_spellings_are_refused_with_the_accepted_forms(acts, words, capsys):
    with pytest.raises(LearnerSpecError) as info:
        comparisons.check_grad_fn(make_grad_fn("relu"), activations=acts, **NET)
    assert all(w in str(info.value) for w in words), str(info.value)
    code = main(["check", "tests/learners/correct/leaky_relu_slope_02.py:grad_fn", "--sizes", "3,5,2",
                 "--activations", acts])
    err = capsys.readouterr().err
    assert code == 2 and all(w in err for w in words), err


def test_rerun_spells_the_parameters():
    report = comparisons.check_grad_fn(make_grad_fn("softplus:2:10", bug="sign"), activations="softplus:2:10", **NET)
    assert "activations=['softplus:2.0:10.0', 'softplus:2.0:10.0']" in str(report), str(report)


def _leaky_output_grad_fn(skip_output_derivative: bool):
    """A 3-5-2 tanh network whose output is LeakyReLU(0.2), MSE; optionally without the output's f'."""
    def grad_fn(params, X, y):
        (W1, b1), (W2, b2) = params
        a1 = np.tanh(X @ W1 + b1)
        z2 = a1 @ W2 + b2
        out = np.where(z2 > 0, z2, 0.2 * z2)
        d = 2 * (out - y) / y.size
        d = d if skip_output_derivative else d * np.where(z2 > 0, 1.0, 0.2)
        d1 = (d @ W2.T) * (1 - a1 ** 2)
        return float(np.mean((out - y) ** 2)), [(X.T @ d1, d1.sum(0)), (a1.T @ d, d.sum(0))]
    return grad_fn


def test_any_registered_activation_may_be_the_output_and_its_derivative_left_out_is_named():
    net = dict(sizes=[3, 5, 2], activations="tanh", output="leaky_relu:0.2", loss="mse")
    assert comparisons.check_grad_fn(_leaky_output_grad_fn(False), **net).passed
    report = comparisons.check_grad_fn(_leaky_output_grad_fn(True), **net)
    assert not report.passed and report.findings[0].label == "missing_output_activation_derivative", str(report)
    assert "layer 3 (LeakyReLU(0.2))" in str(report)
