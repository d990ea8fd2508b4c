"""python -m comparisons zoo: mini-batch training on scikit-learn data with every optimizer, NumPy vs torch."""
import argparse

import numpy as np
import pytest

import manual
from comparisons.parity import zoo
from comparisons.parity.zoo_cases import CASES, case_by_name

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("case, dtype", [(c.name, dt) for c in CASES for dt in c.dtypes])
def test_every_case_trains_identically_and_reaches_the_same_result(case, dtype):
    r = zoo.run_case(case_by_name(case), dtype)
    assert r.ok and r.trajectory.steps_run == r.trajectory.steps, str(r.trajectory)
    assert r.trajectory.margin >= 2
    assert r.task_manual == pytest.approx(r.task_torch, abs=1e-12 if dtype == "float64" else 0.02)
    assert r.task_manual > (0.8 if r.case.task == "accuracy" else 0.9)        # and it learned the task


def test_a_conv_weight_gradient_1_percent_off_fails_the_digits_cnn_float32_row_at_step_0(monkeypatch):
    """The digits CNN's float32 row is judged by the shadow check through Conv2d and MaxPool2d's rounding rules."""
    from manual.conv import Conv2d

    backward = Conv2d.backward

    def scaled(self, dy, *args, **kwargs):
        dx = backward(self, dy, *args, **kwargs)
        self.grads["weight"] = self.grads["weight"] * self.grads["weight"].dtype.type(1.01)
        return dx
    monkeypatch.setattr(Conv2d, "backward", scaled)
    r = zoo.run_case(case_by_name("digits_cnn"), "float32")
    finding = r.trajectory.findings[0]
    assert not r.ok and r.trajectory.first_failure == 0, str(r.trajectory)
    assert finding.diff.kind == "grad" and finding.diff.name == "0.weight" and finding.diff.ratio > 2


def test_batches_are_one_permutation_per_epoch_shared_by_both_sides():
    case = case_by_name("moons_sgd_momentum")
    order = case.batches(100)
    per_epoch = -(-100 // case.batch_size)
    assert len(order) == case.epochs * per_epoch
    first = np.concatenate(order[:per_epoch])
    assert sorted(first) == list(range(100)) and not np.array_equal(first, np.arange(100))
    assert all(np.array_equal(a, b) for a, b in zip(order, case.batches(100)))     # deterministic


def test_a_bug_in_one_optimizer_update_fails_the_float32_row(monkeypatch):
    update = manual.Adam.update

    def sloppy(self, p, grad, state):     # from the second step on, the step is 1% too long
        lr = self.lr
        self.lr = lr * 1.01 if state else lr
        try:
            update(self, p, grad, state)
        finally:
            self.lr = lr
    monkeypatch.setattr(manual.Adam, "update", sloppy)
    r = zoo.run_case(case_by_name("classification_adam"), "float32")
    assert not r.ok and r.trajectory.first_failure == 1 and r.trajectory.findings[0].diff.kind == "param"


def test_unknown_case_is_an_error(capsys):
    assert zoo.run(argparse.Namespace(case="nope", dtype="both", verbose=False)) == 2
    assert "unknown zoo case 'nope'" in capsys.readouterr().err


def test_optimizer_description_names_what_differs_from_torch_s_defaults():
    assert zoo.describe_optimizer(manual.SGD(0.1, momentum=0.9, nesterov=True)) == \
        "SGD(lr=0.1, momentum=0.9, nesterov=True)"
    assert zoo.describe_optimizer(manual.Adam()) == "Adam(lr=0.001)"
