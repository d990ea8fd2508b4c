"""Learner code that raises is a finding, not a crash of the harness; the check command on an in-place step."""
from pathlib import Path

import numpy as np
import pytest

import manual
from comparisons.parity.trainers import LearnerCodeError, StepFnTrainer, TorchTrainer
from comparisons.parity.trajectory import compare_trajectory


def setup():
    net = manual.init_randn(manual.build_mlp([2, 3, 1], "relu"), 0)
    X = np.random.RandomState(1).randn(8, 2)
    return net, (X, X[:, :1] * 2.0)


def sgd_step(params, X, y, lr):
    net = manual.build_mlp([2, 3, 1], "relu")
    net.set_linear_params(params)
    loss = manual.MSELoss()
    loss.forward(net.forward(X), y)
    net.backward(loss.backward())
    manual.SGD(lr).step(net)
    return net.linear_params()


def raising_at(step):
    calls = []

    def step_fn(params, X, y, lr):
        calls.append(1)
        if len(calls) > step:
            return undefined_name  # noqa: F821
        return sgd_step(params, X, y, lr)
    return step_fn


@pytest.mark.parametrize("at", [0, 3])
def test_exception_in_step_fn_is_reported_at_its_step(at):
    net, data = setup()
    ref = TorchTrainer.mirroring(net, manual.MSELoss(), manual.SGD(0.1))
    report = compare_trajectory(StepFnTrainer(raising_at(at), net, 0.1), ref, data, steps=10, rtol=1e-8)
    assert not report.passed and report.first_failure == at and report.steps_run == at + 1
    assert report.error.startswith("NameError: name 'undefined_name' is not defined (")
    assert "test_step_fn_errors.py:" in report.error and "in step_fn" in report.error
    text = str(report)
    assert f"call of step_fn at step {at}" in text and "nothing to compare" in text


def test_malformed_result_is_a_learner_error():
    net, (X, y) = setup()
    trainer = StepFnTrainer(lambda params, X, y, lr: [1, 2], net, 0.1)
    with pytest.raises(LearnerCodeError, match="TypeError"):
        trainer.step(X, y)


def test_correct_step_fn_still_passes():
    net, data = setup()
    ref = TorchTrainer.mirroring(net, manual.MSELoss(), manual.SGD(0.1))
    report = compare_trajectory(StepFnTrainer(sgd_step, net, 0.1), ref, data, steps=20, rtol=1e-8)
    assert report.passed and report.error is None


# ---- the check command on a step_fn that updates the params passed in place (--inplace) -------------------------
LEARNERS = Path(__file__).resolve().parents[1] / "learners" / "correct"
INPLACE = f"{LEARNERS / 'layer_list_inplace.py'}:train_step"
INPLACE_NET = ["--sizes", "3,4,4,2", "--activations", "sigmoid", "--loss", "mse", "--lr", "0.2", "--steps", "2"]


def run_check(capsys, *args) -> tuple[int, str]:
    from comparisons.cli import main

    code = main(["check", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_check_command_judges_an_in_place_step_with_inplace(capsys):
    code, out = run_check(capsys, INPLACE, *INPLACE_NET, "--inplace")
    assert code == 0 and "PASSED, 8 of 8 checks passed" in out, out


def test_check_command_without_inplace_reports_the_writes_and_names_the_flag(capsys):
    code, out = run_check(capsys, INPLACE, *INPLACE_NET)
    assert code == 1 and "[mutates_input] step_fn writes into the caller's arrays: every W and b passed" in out, out
    assert "check it with --inplace\n" in out and "--inplace True" not in out


def test_check_command_refuses_inplace_for_a_grad_fn(capsys):
    code, out = run_check(capsys, f"{LEARNERS / 'grad_buffer_by_reference.py'}:grad_fn", "--sizes", "2,4,3",
                          "--activations", "tanh", "--loss", "half_sum_mean", "--inplace")
    assert code == 2 and "--inplace is for a step_fn that updates the params passed" in out, out
