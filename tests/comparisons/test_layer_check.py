"""check_layer_fn's contract: bad input is refused with a message, the report reads as the grad_fn checks'
do, exceptions and exits of the learner's code are findings, and the ReLU kink convention is a note."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from comparisons import LearnerSpecError, assert_layer_fn_correct, check_dict_net, check_layer_fn


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


def batchnorm_forward_unbiased(x, gamma, beta, bn_param):
    """Train mode with the running variance as torch keeps it: momentum * old + (1 - momentum) * x.var(ddof=1)."""
    m, eps = bn_param["momentum"], bn_param.get("eps", 1e-5)
    if bn_param["mode"] != "train":
        return gamma * (x - bn_param["running_mean"]) / np.sqrt(bn_param["running_var"] + eps) + beta, None
    mu, var = x.mean(0), x.var(0)
    xhat = (x - mu) / np.sqrt(var + eps)
    bn_param["running_mean"] = m * bn_param["running_mean"] + (1 - m) * mu
    bn_param["running_var"] = m * bn_param["running_var"] + (1 - m) * x.var(0, ddof=1)
    return gamma * xhat + beta, (xhat, gamma, np.sqrt(var + eps))


def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    n, dxhat = len(dout), dout * gamma
    dx = (n * dxhat - dxhat.sum(0) - xhat * (dxhat * xhat).sum(0)) / (n * std)
    return dx, (dout * xhat).sum(0), dout.sum(0)


def batchnorm_forward_biased(x, gamma, beta, bn_param):
    out, cache = batchnorm_forward_unbiased(x, gamma, beta, bn_param)
    if bn_param["mode"] == "train":   # undo the unbiased variance: CS231n's np.var
        n, m = len(x), bn_param["momentum"]
        bn_param["running_var"] = bn_param["running_var"] - (1 - m) * x.var(0, ddof=1) / n
    return out, cache


def test_the_unbiased_variance_note_is_read_off_running_var_alone():
    """running_mean is the same in both conventions: the note comes only when running_var took torch's form."""
    unbiased = check_layer_fn(batchnorm_forward_unbiased, batchnorm_backward, layer="batchnorm")
    biased = check_layer_fn(batchnorm_forward_biased, batchnorm_backward, layer="batchnorm")
    assert unbiased.passed and biased.passed, str(unbiased) + str(biased)
    assert any("running_var uses the unbiased variance" in n for n in unbiased.notes), str(unbiased)
    assert not any("unbiased" in n for n in biased.notes), str(biased)


def three_layer_loss(params, X, y):
    """A function loss(params, X, y) with CS231n's keys W1, b1, ..., W3, b3: affine-relu-affine-relu-affine-softmax."""
    hs = [X]
    for i in (1, 2):
        hs.append(np.maximum(0, hs[-1] @ params[f"W{i}"] + params[f"b{i}"]))
    scores = hs[-1] @ params["W3"] + params["b3"]
    p = np.exp(scores - scores.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    n = len(X)
    loss = -np.log(p[np.arange(n), y]).mean()
    d = p
    d[np.arange(n), y] -= 1
    d /= n
    grads = {}
    for i in (3, 2, 1):
        grads[f"W{i}"], grads[f"b{i}"] = hs[i - 1].T @ d, d.sum(0)
        d = d @ params[f"W{i}"].T * (hs[i - 1] > 0)
    return loss, grads


def test_a_dict_net_function_without_names_takes_the_keys_w1_b1():
    report = check_dict_net(three_layer_loss, sizes=[4, 5, 6, 3])
    assert report.passed and "params W1/b1, W2/b2, W3/b3" in str(report), str(report)
    with pytest.raises(LearnerSpecError, match="a function has no params dict to read sizes or keys from"):
        check_dict_net(three_layer_loss)


def dropout_forward_torch(x, dropout_param):
    """Inverted dropout with p the probability of DROPPING a unit, as torch's nn.Dropout(p)."""
    p = dropout_param["p"]
    if dropout_param["mode"] != "train":
        return x, (dropout_param, None)
    np.random.seed(dropout_param["seed"])
    mask = (np.random.rand(*x.shape) >= p) / (1 - p)
    return x * mask, (dropout_param, mask)


def dropout_forward_cs231n(x, dropout_param):
    """CS231n's: p the probability of KEEPING a unit."""
    p = dropout_param["p"]
    if dropout_param["mode"] != "train":
        return x, (dropout_param, None)
    np.random.seed(dropout_param["seed"])
    mask = (np.random.rand(*x.shape) < p) / p
    return x * mask, (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    return dout * mask if dropout_param["mode"] == "train" else dout


def test_dropout_takes_the_p_convention_and_names_the_other_one_with_one_label():
    assert check_layer_fn(dropout_forward_torch, dropout_backward, layer="dropout", p="drop").passed
    assert check_layer_fn(dropout_forward_cs231n, dropout_backward, layer="dropout").passed
    for forward, p, words in ((dropout_forward_torch, "keep", "p taken as the probability of dropping"),
                              (dropout_forward_cs231n, "drop", "p taken as the probability of keeping")):
        report = check_layer_fn(forward, dropout_backward, layer="dropout", p=p)
        assert set(report.labels) == {"wrong_scale"}, str(report)
        assert "check_keep_rate" in str(report) and words in str(report)
    report = check_layer_fn(dropout_forward_cs231n, dropout_backward, layer="dropout", p="drop")
    assert "N=40 train, p=0.7" in str(report) and "p='drop'" in report.rerun
    with pytest.raises(LearnerSpecError, match="p must be 'keep'"):
        check_layer_fn(dropout_forward_torch, dropout_backward, layer="dropout", p=0.5)
    with pytest.raises(LearnerSpecError, match="layer 'relu' has no p"):
        check_layer_fn(relu_forward, relu_backward, layer="relu", p="drop")
