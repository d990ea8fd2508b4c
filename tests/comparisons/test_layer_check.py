"""check_layer_fn's contract: bad input is refused with a message, the report reads as the grad_fn checks'
do, exceptions and exits of the learner's code are findings, and the ReLU kink convention is a note."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from comparisons import LearnerSpecError, assert_layer_fn_correct, check_layer_fn


def relu_forward(x):
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def relu_backward_ge(dout, cache):          # the mask x >= 0: a subgradient as good as torch's at x == 0
    return dout * (cache >= 0)


def affine_forward(x, w, b):
    return x.reshape(len(x), -1) @ w + b, (x, w)


def affine_backward_db_mean(dout, cache):
    x, w = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.mean(0)


def relu_backward_raises(dout, cache):
    return dout * (cache > 0) @ np.ones((3, 3))


def relu_backward_exits(dout, cache):
    sys.exit(3)


@pytest.mark.parametrize("kwargs, message", [
    (dict(forward=relu_forward, backward=relu_backward, layer="gelu"), "unknown layer 'gelu'; the layers: affine"),
    (dict(forward=relu_forward, layer="relu"), "layer 'relu' needs its backward too: relu_forward(x)"),
    (dict(forward=relu_forward, backward=relu_backward, layer="softmax_loss"), "is a loss"),
    (dict(forward=3, backward=relu_backward, layer="relu"), "forward must be a function, got 3"),
    (dict(forward=relu_forward, backward=relu_backward, layer="relu", dtype="int32"), "float32 or float64"),
    (dict(forward=relu_forward, backward=relu_backward, layer="relu", on_fail="stop"), "on_fail must be"),
    (dict(forward=relu_forward, backward=relu_backward, layer="relu", waivers={"check_x": "?"}), "unknown check"),
])
def test_bad_input_is_refused_with_a_message(kwargs, message):
    with pytest.raises(LearnerSpecError, match=None) as exc:
        check_layer_fn(kwargs.pop("forward"), kwargs.pop("backward", None), **kwargs)
    assert message in str(exc.value)


def test_the_report_names_the_output_the_worst_element_and_the_likely_bug():
    text = str(check_layer_fn(affine_forward, affine_backward_db_mean, layer="affine"))
    assert "FAILED, 1 of 7 checks failed (check_backward_matches_torch)" in text
    assert "[1] check_backward_matches_torch: grad of b, your db = affine_backward_db_mean(...)[2]" in text
    assert "probes    wrong on N=3, x of 3 axes, N=4, square w; right on N=1\n" in text
    assert "worst     [2] on N=4, square w  " in text and "yours=+1.24545  torch=+4.98181" in text
    assert "likely    [bias_not_summed] db averages dout over the batch (dout.mean(0))" in text
    assert "right on N=1" in text
    assert text.endswith("rerun     check_layer_fn(affine_forward, affine_backward_db_mean, layer='affine', seed=0, "
                         "dtype='float64')")


def test_an_exception_is_a_finding_at_the_learners_line():
    report = check_layer_fn(relu_forward, relu_backward_raises, layer="relu")
    finding = report.findings[0]
    assert finding.label == "raised" and finding.check == "check_layer_runs"
    assert "test_layer_check.py" in finding.at and "in relu_backward_raises" in finding.at


def test_an_exit_is_a_finding_and_the_learner_is_not_called_again():
    report = check_layer_fn(relu_forward, relu_backward_exits, layer="relu")
    assert report.labels == ["exited"] and "code 3" in str(report)


def test_the_relu_mask_x_ge_0_is_accepted_at_exact_zeros_with_a_note():
    report = check_layer_fn(relu_forward, relu_backward_ge, layer="relu")
    assert report.passed and any("x >= 0" in n and "accepted" in n for n in report.notes), str(report)


def test_assert_and_waivers():
    with pytest.raises(AssertionError, match="bias_not_summed"):
        assert_layer_fn_correct(affine_forward, affine_backward_db_mean, layer="affine")
    report = check_layer_fn(affine_forward, affine_backward_db_mean, layer="linear",
                            waivers={"check_backward_matches_torch": "db is averaged on purpose"})
    assert report.passed and report.result("check_backward_matches_torch").status == "waived"


def affine_backward_db_keepdims(dout, cache):
    x, w = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.sum(axis=0, keepdims=True)


def affine_backward_db_unsummed(dout, cache):
    x, w = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout


def test_db_summed_with_keepdims_is_a_bad_shape_never_an_unsummed_bias():
    """(1, M) for (M,): the sum is there, its shape is not; N = 1's (1, M) alone cannot tell: the others decide."""
    report = check_layer_fn(affine_forward, affine_backward_db_keepdims, layer="affine")
    shapes = [f for f in report.findings if f.check == "check_layer_shapes"]
    assert [f.label for f in shapes] == ["bad_shape"] and "bias_not_summed" not in str(report), str(report)
    assert "db has shape (1, 5), not b's (5,): summed over the batch with keepdims=True" in str(report)
    assert "wrong on N=3, x of 3 axes, N=4, square w, N=1\n" in str(report)
    unsummed = check_layer_fn(affine_forward, affine_backward_db_unsummed, layer="affine")
    assert [f.label for f in unsummed.findings if f.check == "check_layer_shapes"] == ["bias_not_summed"]
