"""The learner checks as a suite: order, statuses, waivers, on_fail, what findings carry, the report's text
(golden), and parametrize_with_checks."""
from __future__ import annotations

import numpy as np
import pytest
from learner_zoo import make_grad_fn, make_step_fn

import comparisons
from comparisons.learner.api import checks_for
from comparisons.learner.calls import short_path
from comparisons.learner.spec import LearnerSpecError

NET = dict(sizes=[2, 4, 1], activations="relu", output="sigmoid", loss="mse")
SQUARE = dict(sizes=[3, 4, 4, 2], activations="tanh", output="identity", loss="mse")


def test_checks_run_cheapest_first():
    assert [c.__name__ for c in checks_for("grad")] == [
        "check_runs", "check_structure", "check_shapes", "check_finite", "check_loss_value",
        "check_grad_matches_torch", "check_grad_matches_finite_diff", "check_no_input_mutation",
        "check_repeated_calls"]
    assert [c.__name__ for c in checks_for("step")][4:6] == ["check_step_matches_torch",
                                                           "check_trajectory_matches_torch"]


def test_a_correct_learner_passes_every_check():
    report = comparisons.check_grad_fn(make_grad_fn("relu", "sigmoid"), **NET)
    assert report.passed and report.findings == [] and report.labels == []
    statuses = {r.check: r.status for r in report.results}
    assert statuses.pop("check_grad_matches_finite_diff") == "skipped"
    assert set(statuses.values()) == {"passed"}
    assert str(report).splitlines()[0].endswith("PASSED, 8 of 9 checks passed, 1 skipped "
                                                f"(max rel error vs torch {report.max_rel('grad', 'loss'):.1e})")


def test_a_correct_step_fn_passes_every_check():
    report = comparisons.check_step_fn(make_step_fn("tanh"), **SQUARE, lr=0.1, steps=4)
    assert report.passed, str(report)
    assert report.result("check_trajectory_matches_torch").message.startswith("4 steps on N=8 match torch")


@pytest.mark.parametrize("keepdims", [False, True])
def test_keepdims_bias_is_accepted(keepdims):
    grad_fn = make_grad_fn("tanh")

    def keepdims_grad_fn(params, X, y):
        loss, grads = grad_fn(params, X, y)
        return loss, [(dW, db.reshape(1, -1) if keepdims else db) for dW, db in grads]

    assert comparisons.check_grad_fn(keepdims_grad_fn, **SQUARE).passed


def test_half_sum_backprop_rescaled_to_mean_passes():
    """delta = yhat - y (the half-sum error) times 2/N at the end is the mean's gradient: no false alarm."""
    half = make_grad_fn("tanh", loss="half_sum")

    def grad_fn(params, X, y):
        _, grads = half(params, X, y)
        return np.mean((make_grad_fn("tanh")(params, X, y)[0])), [(2 / y.size * dW, 2 / y.size * db)
                                                                  for dW, db in grads]

    assert comparisons.check_grad_fn(grad_fn, **SQUARE).passed


def test_findings_name_parameter_layer_figures_and_label():
    report = comparisons.check_grad_fn(make_grad_fn("tanh", bug="bias_first"), **SQUARE)
    torch_findings = [f for f in report.findings if f.check == "check_grad_matches_torch"]
    assert [f.parameter for f in torch_findings] == ["0.bias", "2.bias", "4.bias"]
    first = torch_findings[0]
    assert first.layer == "layer 0 (Linear 3->4)" and first.label == "bias_not_summed"
    assert first.diff.rel > 1e-2 and first.diff.rtol == 1e-7 and first.yours == "grads[0][1]"
    assert first.right_on == ("N=1",)


def test_trajectory_findings_carry_the_step():
    report = comparisons.check_step_fn(make_step_fn("tanh", bug="accumulate"), **SQUARE, lr=0.1, steps=3)
    traj = report.result("check_trajectory_matches_torch").findings[0]
    assert traj.step == 0 and traj.label == "grad_accumulation"


def test_trajectory_points_back_when_the_step_check_failed():
    """Step 0 of the trajectory is the N=8 probe's call again: one finding says so instead of every tensor."""
    report = comparisons.check_step_fn(make_step_fn("tanh", bug="stale"), **SQUARE, lr=0.1, steps=3)
    [traj] = report.result("check_trajectory_matches_torch").findings
    assert traj.headline == "step 0 of 3 on N=8 fails as above" and traj.step == 0
    assert traj.label == "stale_weights" and "the same numbers as your call on N=8 above" in traj.diff.problem
    assert "as check_step_matches_torch found (stale_weights)" in str(report)


def test_trajectory_shows_only_what_is_new():
    """Stale weights on the probes, then (state kept between calls) a sum for the mean: the trajectory's
    step 0 differs from the same probe's call, and shows the new bug tensor by tensor."""
    stale, summed, calls = make_step_fn("tanh", bug="stale"), make_step_fn("tanh", bug="sum_for_mean"), []

    def step_fn(params, X, y, lr):
        calls.append(1)
        return (stale if len(calls) <= 4 else summed)(params, X, y, lr)

    report = comparisons.check_step_fn(step_fn, **SQUARE, lr=0.1, steps=3)
    traj = report.result("check_trajectory_matches_torch").findings
    assert {f.label for f in traj} == {"wrong_scale"} and not any(f.headline for f in traj), str(report)


def test_tensors_sharing_a_diagnosis_share_one_block():
    """Two tensors off by no known hypothesis: one [unknown] block, the second as a 'same' line."""
    def grad_fn(params, X, y):
        loss, grads = make_grad_fn("tanh")(params, X, y)
        return loss, [(dW + 0.1 * np.sin(7 * dW), db) for dW, db in grads[:1]] + grads[1:2] + \
            [(grads[2][0] + 0.1 * np.cos(5 * grads[2][0]), grads[2][1])]

    report = comparisons.check_grad_fn(grad_fn, **SQUARE)
    text = str(report)
    assert text.count("[unknown]") == 2, text  # the torch check's block, and the finite-difference check's
    assert "      same      grad of 4.weight (layer 4 (Linear 4->2)): rel" in text


def test_loss_value_check_names_the_reduction():
    """Gradients of the mean, but the reported loss is the sum: only the loss check fails."""
    grad_fn = make_grad_fn("tanh")

    def sum_loss(params, X, y):
        loss, grads = grad_fn(params, X, y)
        return loss * y.size, grads

    report = comparisons.check_grad_fn(sum_loss, **SQUARE)
    assert [r.check for r in report.results if r.status == "failed"] == ["check_loss_value"]
    f = report.findings[0]
    assert f.label == "wrong_scale" and f.diagnosis.summary == "the loss value is N*K x torch's: sum instead of mean"
    assert "only the loss value you report is off" in f.note


def test_finite_differences_say_the_gradient_fits_your_own_loss():
    """A learner doing sum-of-squares consistently while mean is declared: right for its loss, wrong loss."""
    report = comparisons.check_grad_fn(make_grad_fn("tanh", loss="sum"), **SQUARE)
    assert report.result("check_grad_matches_finite_diff").status == "passed"
    assert report.diagnosis.label == "wrong_scale"
    assert "your gradient is right for your own loss" in str(report)


def test_no_loss_skips_the_loss_checks():
    grad_fn = make_grad_fn("tanh", bug="sign")
    report = comparisons.check_grad_fn(lambda p, X, y: (None, grad_fn(p, X, y)[1]), **SQUARE)
    assert report.result("check_loss_value").status == "skipped"
    assert report.result("check_grad_matches_finite_diff").message == "grad_fn returns no loss"
    assert report.diagnosis.label == "wrong_sign"


def test_waivers_keep_the_failure_but_pass_the_report():
    reason = "known: we sum the loss on purpose"
    report = comparisons.check_grad_fn(make_grad_fn("tanh", loss="sum"), **SQUARE, waivers={
        "check_grad_matches_torch": reason, "check_loss_value": reason})
    assert report.passed and report.result("check_grad_matches_torch").status == "waived"
    assert f"waived    check_grad_matches_torch: {reason} (it failed:" in str(report)


def test_unknown_waiver_and_on_fail_are_refused():
    with pytest.raises(LearnerSpecError, match="unknown check.*check_nope.*the checks are: check_runs"):
        comparisons.check_grad_fn(make_grad_fn("tanh"), **SQUARE, waivers={"check_nope": "?"})
    with pytest.raises(LearnerSpecError, match="on_fail must be 'report' or 'raise'"):
        comparisons.check_grad_fn(make_grad_fn("tanh"), **SQUARE, on_fail="warn")


def test_on_fail_raise_and_assert_twins_raise_the_report_text():
    with pytest.raises(AssertionError) as info:
        comparisons.check_grad_fn(make_grad_fn("tanh", bug="sign"), **SQUARE, on_fail="raise")
    assert "[wrong_sign]" in str(info.value)
    with pytest.raises(AssertionError, match=r"\[stale_weights\]"):
        comparisons.assert_step_fn_correct(make_step_fn("tanh", bug="stale"), **SQUARE, lr=0.1)
    assert comparisons.assert_grad_fn_correct(make_grad_fn("tanh"), **SQUARE).passed


def test_callback_sees_every_result_in_order():
    seen = []
    comparisons.check_grad_fn(make_grad_fn("tanh"), **SQUARE, callback=seen.append)
    assert [r.check for r in seen] == [c.__name__ for c in checks_for("grad")]


GOLDEN = """\
check_grad_fn(grad_fn): FAILED, 2 of 9 checks failed (check_grad_matches_torch, check_grad_matches_finite_diff)
  network   2-4-1 (Linear, ReLU, Linear, Sigmoid), loss mse, float64, seed 0
  probes    N=3 | N=1 | N=8 | N=8 near saturation; no square layer, so a transposed dW shows as a shape error
[1] check_grad_matches_torch: grad of 0.weight (layer 0 (Linear 2->4)), your grads[0][0]
      probes    wrong on N=3, N=8, N=8 near saturation; right on N=1
      worst     [1, 0] on N=8 near saturation  yours=-0.382395  torch=-0.0477994
      error     abs 3.35e-01 | rel 7.00e+00 > rtol 1e-07 | 8/8 elements off
      likely    [wrong_scale] N x: sum instead of mean
                ratio to torch = 3.000 on N=3, 1.000 on N=1, 8.000 on N=8
      same      grad of 0.bias (layer 0 (Linear 2->4)): rel 6.0e+00
      same      grad of 2.weight (layer 2 (Linear 4->1)): rel 5.5e+00
      same      grad of 2.bias (layer 2 (Linear 4->1)): rel 5.8e+00
[2] check_grad_matches_finite_diff: gradient differs from finite differences of your own loss on N=3
      problem   rel 5.0e-01 > 1e-05 at 0.weight[0, 0]: yours +0.00705807, finite diff +0.00235269
      likely    [wrong_scale] your gradient is N x the gradient of your own loss: sum instead of mean
                ratio to finite differences of your own loss = 3.000 on N=3, 8.000 on N=8: your backprop is right \
but for this factor, so your loss and your gradient use different reductions
rerun     pytest tests/comparisons/test_checks.py --parity-seed 0"""


def test_golden_report_for_sum_instead_of_mean():
    """The designed message, pinned: what failed, where, how badly, the likely bug with evidence, rerun."""
    def grad_fn(params, X, y):  # mean loss, sum gradient
        loss, grads = make_grad_fn("relu", "sigmoid")(params, X, y)
        return loss, [(y.size * dW, y.size * db) for dW, db in grads]

    report = comparisons.check_grad_fn(grad_fn, **NET, name="grad_fn",
                                       rerun="pytest tests/comparisons/test_checks.py --parity-seed 0")
    assert str(report) == GOLDEN


def test_golden_raised_finding():
    def grad_fn(params, X, y):
        W1, b1 = params["layer1"]  # the bug under test
        return 0.0, [(W1, b1)]

    report = comparisons.check_grad_fn(grad_fn, **NET, name="grad_fn")
    here = f"{short_path(__file__)}:{grad_fn.__code__.co_firstlineno + 1}"
    assert "\n".join(str(report).splitlines()[3:8]) == f"""\
[1] check_runs: grad_fn raised
      probes    wrong on N=3, N=1, N=8, N=8 near saturation
      problem   TypeError: list indices must be integers or slices, not str
      at        {here} in grad_fn: W1, b1 = params["layer1"]  # the bug under test
      likely    [raised] your code raised TypeError"""


@comparisons.parametrize_with_checks(make_grad_fn("tanh"), **SQUARE)
def test_parametrize_with_checks_runs_one_test_per_check(check):
    check()


def test_parametrize_with_checks_ids_and_failures():
    mark = comparisons.parametrize_with_checks(make_grad_fn("tanh", bug="transpose"), **SQUARE)
    params = mark.args[1]
    assert [p.id for p in params] == [c.__name__ for c in checks_for("grad")]
    runs = dict((p.id, p.values[0]) for p in params)
    runs["check_runs"]()
    with pytest.raises(AssertionError, match=r"(?s)check_shapes\(.*\[transposed\]"):
        runs["check_shapes"]()
    with pytest.raises(pytest.skip.Exception):
        runs["check_grad_matches_torch"]()


def test_a_trajectory_that_diverges_in_torch_too_is_no_finding():
    """lr too large: torch blows up at the same step as the learner. That is the lr, not the backprop."""
    report = comparisons.check_step_fn(make_step_fn("relu", loss="sum"), sizes=[1, 1, 2], activations="relu",
                                       output="identity", loss="sum", lr=0.5, steps=5, dtype=np.float32, seed=2)
    assert report.passed, str(report)
    assert "torch diverges (lr 0.5 is too large here)" in report.result("check_trajectory_matches_torch").message


def tanh_grad_fn_float32(params, X, y, transpose=False):
    """A correct 3-4-4-2 tanh/mse backprop that casts everything to float32 first."""
    params = [(W.astype(np.float32), b.astype(np.float32)) for W, b in params]
    acts = [X.astype(np.float32)]
    for k, (W, b) in enumerate(params):
        z = acts[-1] @ W + b
        acts.append(np.tanh(z) if k < len(params) - 1 else z)
    delta = 2 * (acts[-1] - y.astype(np.float32)) / y.size
    grads = []
    for k in reversed(range(len(params))):
        dW = acts[k].T @ delta
        grads.insert(0, (dW.T if transpose and dW.shape[0] == dW.shape[1] else dW, delta.sum(0)))
        delta = (delta @ params[k][0].T) * (1 - acts[k] ** 2)
    return np.mean((acts[-1] - y.astype(np.float32)) ** 2), grads


def test_a_learner_computing_in_float32_is_judged_at_float32_and_told_so():
    """Casting to float32 inside is no backprop bug: no false alarm, but a note in the header."""
    report = comparisons.check_grad_fn(tanh_grad_fn_float32, **SQUARE)
    assert report.passed, str(report)
    assert "your code returns float32 arrays for float64 probes: judged at float32's tolerance" in str(report)
    report = comparisons.check_grad_fn(lambda p, X, y: tanh_grad_fn_float32(p, X, y, transpose=True), **SQUARE)
    assert not report.passed and report.findings[0].label == "transposed"


def test_output_defaults_to_identity():
    implicit = comparisons.check_grad_fn(make_grad_fn("tanh"), sizes=[3, 4, 4, 2], activations="tanh", loss="mse")
    assert implicit.passed and "(Linear, Tanh, Linear, Tanh, Linear), loss mse" in str(implicit)


def test_a_step_fn_that_writes_into_params_and_then_raises_is_not_said_to_return_none():
    """'and returned None' only for a call that returned None, not for one that raised after writing."""
    step_fn = make_step_fn("tanh")

    def writes_then_raises(params, X, y, lr):
        new = step_fn(params, X, y, lr)
        for (W, b), (W2, b2) in zip(params, new):
            W[...], b[...] = W2, b2
        if len(X) == 1:
            raise ValueError("no batch of one")
        return new

    report = comparisons.check_step_fn(writes_then_raises, sizes=[3, 4, 2], activations="tanh", loss="mse", lr=0.1)
    mutation = [f for f in report.findings if f.label == "mutates_input"]
    assert mutation and "raised" in report.labels, str(report)
    assert "step_fn writes into the caller's arrays" in str(report) and "returned None" not in str(report)


def test_finite_differences_of_a_negated_gradient_speak_of_its_sign_not_of_reductions():
    grad_fn = make_grad_fn("tanh")

    def negated(params, X, y):
        loss, grads = grad_fn(params, X, y)
        return loss, [(-dW, -db) for dW, db in grads]

    report = comparisons.check_grad_fn(negated, **SQUARE)
    fd = report.result("check_grad_matches_finite_diff").findings[0]
    text = f"{fd.diagnosis.summary}\n{fd.diagnosis.evidence}"
    assert "the opposite sign of your own loss's gradient: the error taken as y - yhat" in text, str(report)
    assert "different reductions" not in text and "another size" not in text
