"""Bad input, one test per case: each gets a clear message naming the problem, never a bare traceback
from inside the harness. Learner failures become findings; a check asked for the impossible raises
LearnerSpecError (exit code 2 on the command line)."""
from __future__ import annotations

import re

import numpy as np
import pytest
from learner_zoo import make_grad_fn, make_step_fn

import comparisons
from comparisons.learner.check_cli import UsageError, load_function
from comparisons.learner.spec import LearnerSpecError
from manual.errors import ParityInputError

NET = dict(sizes=[2, 3, 2], activations="tanh", output="identity", loss="mse")
GOOD = make_grad_fn("tanh")


def only_finding(report, check: str):
    """The report failed, and its first finding comes from `check`; no traceback text anywhere."""
    assert not report.passed
    text = str(report)
    assert "Traceback" not in text and not re.search(r"(?<!tests/)comparisons/\w+\.py", text)
    first = report.findings[0]
    assert first.check == check, str(report)
    return first


def test_grad_fn_that_raises_names_type_message_and_its_own_line():
    def grad_fn(params, X, y):
        raise RuntimeError("not implemented yet")

    f = only_finding(comparisons.check_grad_fn(grad_fn, **NET), "check_runs")
    assert f.label == "raised" and f.diff.problem == "RuntimeError: not implemented yet"
    assert f.at.startswith("tests/comparisons/test_bad_input.py:") and f.at.endswith(
        'in grad_fn: raise RuntimeError("not implemented yet")')


def test_grad_fn_raising_only_for_one_sample_says_so():
    def grad_fn(params, X, y):
        if X.shape[0] == 1:
            raise ValueError("squeeze made it 1-D")
        return GOOD(params, X, y)

    f = only_finding(comparisons.check_grad_fn(grad_fn, **NET), "check_runs")
    assert f.wrong_on == ("N=1",) and "on N=1 only: it does not handle every batch size" in f.diagnosis.summary


@pytest.mark.parametrize("returned, message", [
    (lambda p, X, y: GOOD(p, X, y)[1], "the loss (first item returned) must be a number or None"),
    (lambda p, X, y: None, "grad_fn must return (loss, grads) with grads = [(dW, db), ...]; got None"),
    (lambda p, X, y: GOOD(p, X, y)[::-1], "grad_fn returned (grads, loss): return (loss, grads)"),
    (lambda p, X, y: (0.0, GOOD(p, X, y)[1][:1]), "grads has 1 entries, but sizes [2, 3, 2] have 2 Linear layer(s)"),
    (lambda p, X, y: (0.0, {"W1": 1}), "grads must be a list of (W, b) pairs, one per Linear layer; got a dict"),
    (lambda p, X, y: (0.0, [(1.0, 2.0, 3.0)] * 2), "grads[0] must be a (W, b) pair; got a tuple of 3 item(s)"),
    (lambda p, X, y: (0.0, [("dW", "db")] * 2), "grads[0][0] is not an array of numbers; got a str"),
    (lambda p, X, y: (np.ones(3), GOOD(p, X, y)[1]), "the loss (first item returned) must be a number or None; "
                                                     "got an ndarray of shape (3,)"),
])
def test_wrong_structure_is_named(returned, message):
    f = only_finding(comparisons.check_grad_fn(returned, **NET), "check_structure")
    assert f.label == "bad_structure" and message in f.diagnosis.summary


def test_pairs_in_reverse_order_are_named():
    f = only_finding(comparisons.check_grad_fn(lambda p, X, y: (0.0, GOOD(p, X, y)[1][::-1]),
                                               sizes=[2, 3, 4], activations="tanh", output="identity", loss="mse"),
                     "check_shapes")
    assert f.label == "bad_structure" and "reverse order (output layer first)" in f.diagnosis.summary


@pytest.mark.parametrize("change, label, message", [
    (lambda g: [(g[0][0].T, g[0][1]), g[1]], "transposed", "dW of layer 0 (Linear 2->3) has shape (3, 2), expected "
                                                           "(2, 3), its transpose"),
    (lambda g: [(g[0][0], g[0][1].sum()), g[1]], "bias_not_summed", "a single number"),
    (lambda g: [(g[0][0][:1], g[0][1]), g[1]], "bad_shape", "has shape (1, 3), expected (2, 3)"),
])
def test_wrong_shapes_are_named(change, label, message):
    f = only_finding(comparisons.check_grad_fn(lambda p, X, y: (0.0, change(GOOD(p, X, y)[1])), **NET),
                     "check_shapes")
    assert f.label == label and message in f.diagnosis.summary


def test_bias_kept_per_sample_is_named():
    report = comparisons.check_grad_fn(make_grad_fn("tanh", bug="bias_rows"), **NET)
    f = only_finding(report, "check_shapes")
    assert f.label == "bias_not_summed" and "has shape (3, 3), expected (3,): one entry per sample" in \
        f.diagnosis.summary and f.right_on == ("N=1",)


def test_nan_is_named():
    def grad_fn(params, X, y):
        loss, grads = GOOD(params, X, y)
        grads[1][0][0, 0] = np.nan
        return loss, grads

    f = only_finding(comparisons.check_grad_fn(grad_fn, **NET), "check_finite")
    assert f.label == "non_finite" and f.parameter == "2.weight" and f.diff.problem.startswith("nan at [0, 0]")


@pytest.mark.parametrize("which, name", [("X", "X"), ("W", "params[0][0]")])
def test_grad_fn_that_mutates_its_inputs_is_named(which, name):
    def grad_fn(params, X, y):
        result = GOOD(params, X, y)
        (X if which == "X" else params[0][0])[...] *= 2
        return result

    f = only_finding(comparisons.check_grad_fn(grad_fn, **NET), "check_no_input_mutation")
    assert f.label == "mutates_input" and f.headline == f"{name} modified in place"


def test_step_fn_may_update_params_in_place_but_not_x():
    step = make_step_fn("tanh")

    def step_fn(params, X, y, lr):
        new = step(params, X, y, lr)
        X /= 2
        return new

    f = only_finding(comparisons.check_step_fn(step_fn, **NET, lr=0.1), "check_no_input_mutation")
    assert f.headline == "X modified in place"


@pytest.mark.parametrize("failure, label", [("raise", "raised"), ("nan", "non_finite")])
def test_step_fn_failing_mid_trajectory_names_the_step(failure, label):
    """The probes pass; the 3rd step in a row raises (or returns NaN): the trajectory check says which step."""
    step, calls = make_step_fn("tanh"), []

    def step_fn(params, X, y, lr):
        calls.append(1)
        if len(calls) == 4 + 3:  # 4 probe calls, then steps 0, 1, 2 of the trajectory
            if failure == "raise":
                raise FloatingPointError("overflow in exp")
            return [(W * np.nan, b) for W, b in params]
        return step(params, X, y, lr)

    f = only_finding(comparisons.check_step_fn(step_fn, **NET, lr=0.1), "check_trajectory_matches_torch")
    assert f.headline == "step 2 of the trajectory failed" and f.label == label, str(f)


def test_step_fn_returning_none_without_updating_is_named():
    f = only_finding(comparisons.check_step_fn(lambda p, X, y, lr: None, **NET, lr=0.1), "check_structure")
    assert "returned None and changed nothing" in f.diagnosis.summary


@pytest.mark.parametrize("kwargs, message", [
    (dict(sizes=[2, 3, 2], activations=["relu", "tanh"]), "sizes [2, 3, 2] have 1 hidden layer(s) but 2 "
                                                          "activation(s) were given (['relu', 'tanh'])"),
    (dict(activations="rellu"), "unknown activation 'rellu' for hidden layer 0; known: relu, leaky_relu"),
    (dict(sizes=[3]), "sizes must list the layer widths from input to output, at least two of them"),
    (dict(sizes=[2, 0, 1]), "sizes must be positive integers, got [2, 0, 1]"),
    (dict(output="swish"), "output: unknown activation 'swish'; known: relu, leaky_relu, sigmoid, tanh, identity"),
    (dict(loss="mae"), "unknown loss 'mae'; known: mse, sum, half_sum, half_mse, half_sum_mean, bce, bce_sum, "
                       "bce_with_logits, cross_entropy, cross_entropy_sum, nll, l1, smooth_l1, huber"),
    (dict(loss="bce"), "loss 'bce' needs probabilities in (0, 1): use output='sigmoid'"),
    (dict(dtype=np.int32), "unsupported dtype int32"),
    (dict(layout="diagonal"), "layout must be 'row' or 'column'"),
    (dict(seed=-1), "seed must be a non-negative integer"),
])
def test_inconsistent_check_arguments_are_refused(kwargs, message):
    with pytest.raises(ParityInputError) as info:
        comparisons.check_grad_fn(GOOD, **{**NET, **kwargs})
    assert message in str(info.value)


@pytest.mark.parametrize("kwargs, message", [(dict(lr=-1), "lr must be a positive number, got -1"),
                                             (dict(lr=0.1, steps=0), "steps must be a positive integer, got 0")])
def test_bad_step_arguments_are_refused(kwargs, message):
    with pytest.raises(LearnerSpecError, match=message):
        comparisons.check_step_fn(make_step_fn("tanh"), **NET, **kwargs)


def test_a_learner_that_is_not_callable_is_refused():
    with pytest.raises(LearnerSpecError, match="the learner must be a function, got 3"):
        comparisons.check_grad_fn(3, **NET)


def test_missing_path_and_function_are_named(tmp_path):
    with pytest.raises(UsageError, match="no such file: .*nope.py"):
        load_function(f"{tmp_path}/nope.py:grad_fn")
    (tmp_path / "learner.py").write_text("def grad_fn(params, X, y):\n    return None\n")
    with pytest.raises(UsageError, match="has no function 'step'; functions defined there: grad_fn"):
        load_function(f"{tmp_path}/learner.py:step")
    with pytest.raises(UsageError, match="expected PATH.py:FUNCTION"):
        load_function(f"{tmp_path}/learner.py")
    with pytest.raises(UsageError, match="is not a Python source file: only PATH.py is loaded"):
        load_function(f"{tmp_path}/model.pkl:grad_fn")
