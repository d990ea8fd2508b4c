"""The pytest plugin, run inside pytester: options in one --parity- group, a report header that replays,
the `parity` fixture whose one-line assert fails with the diagnosis, and the pytest11 entry point."""
from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import numpy  # noqa: F401  imported before pytester snapshots sys.modules: numpy cannot be loaded twice
import pytest

import comparisons.learner.adapters  # noqa: F401  (the same: the inner runs import it, torch with it)

pytest_plugins = ["pytester"]  # here, not in a conftest: pytest refuses pytest_plugins in non-root conftests

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = "comparisons.pytest_plugin"

LEARNERS = '''
import numpy as np

def grad_fn(params, X, y, scale=1.0):
    (W1, b1), (W2, b2) = params
    z1 = X @ W1 + b1
    h = np.tanh(z1)
    out = h @ W2 + b2
    d2 = scale * 2 * (out - y) / y.size
    d1 = d2 @ W2.T * (1 - h ** 2)
    return np.mean((out - y) ** 2), [(X.T @ d1, d1.sum(0)), (h.T @ d2, d2.sum(0))]

def buggy_grad_fn(params, X, y):
    return grad_fn(params, X, y, scale=-1.0)

def step_fn(params, X, y, lr):
    _, grads = grad_fn(params, X, y)
    return [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]

NET = dict(sizes=[3, 4, 2], activations="tanh", output="identity", loss="mse")
'''


def plugin_args() -> list[str]:
    """-p comparisons.pytest_plugin, unless the package is installed and pytest loads it by its entry point."""
    installed = any(ep.value == PLUGIN for ep in importlib.metadata.entry_points(group="pytest11"))
    return [] if installed else ["-p", PLUGIN]


@pytest.fixture
def run(pytester):
    pytester.makepyfile(my_backprop=LEARNERS)

    def go(test_source: str, *args):
        pytester.makepyfile(test_learner=test_source)
        return pytester.runpytest(*plugin_args(), *args)

    return go


def test_entry_point_is_declared():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["entry-points"]["pytest11"] == {"backprop_parity": PLUGIN}


def test_options_are_one_group(pytester):
    result = pytester.runpytest(*plugin_args(), "--help")
    result.stdout.fnmatch_lines(["checks of hand-written backprop against torch:", "*--parity-seed=SEED*",
                                 "*--parity-dtype*", "*--parity-steps=N*"])


def test_header_prints_seed_dtype_and_tolerances(run):
    result = run("def test_nothing():\n    pass\n", "--parity-seed", "3", "--parity-dtype", "float32")
    result.stdout.fnmatch_lines(["backprop-parity: --parity-seed 3 --parity-dtype float32 --parity-steps 5 "
                                 "(learner rtol 1e-03 per gradient, 1e-03 per trajectory step, finite differences "
                                 "1e-05)"])


def test_a_correct_learner_is_one_line(run):
    result = run("""
from my_backprop import NET, grad_fn, step_fn

def test_grad(parity):
    parity.assert_grad_fn_correct(grad_fn, **NET)

def test_step(parity):
    parity.assert_step_fn_correct(step_fn, lr=0.1, **NET)
""")
    result.assert_outcomes(passed=2)


def test_a_buggy_learner_fails_with_the_diagnosis(run):
    result = run("""
from my_backprop import NET, buggy_grad_fn

def test_grad(parity):
    parity.assert_grad_fn_correct(buggy_grad_fn, **NET)
""", "--parity-seed", "5")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*check_grad_fn(buggy_grad_fn*FAILED*",
                                 "*likely    [[]wrong_sign[]] -1 x: the opposite sign*",
                                 "*rerun     pytest test_learner.py::test_grad --parity-seed 5 --parity-dtype "
                                 "float64*"])
    assert "site-packages" not in result.stdout.str()


def test_the_fixture_follows_the_options(run):
    result = run("""
from my_backprop import NET, grad_fn

def test_settings(parity):
    report = parity.check_grad_fn(grad_fn, **NET)
    assert report.passed
    assert "float32, seed 9" in str(report)
""", "--parity-seed", "9", "--parity-dtype", "float32")
    result.assert_outcomes(passed=1)


def test_parametrize_with_checks_gives_one_test_per_check(run):
    result = run("""
import comparisons
from my_backprop import NET, buggy_grad_fn

@comparisons.parametrize_with_checks(buggy_grad_fn, **NET)
def test_learner(check):
    check()
""", "-v")
    result.assert_outcomes(passed=7, failed=2)
    result.stdout.fnmatch_lines(["*test_learner?check_grad_matches_torch? FAILED*"])


class SeedStyleNet:
    """Seed 000's shape: backward(X, y, lr) updates the object; the half-sum gradient, times `scale`."""

    scale = 1.0

    def __init__(self, n_in, n_hidden, n_out):
        self.W1, self.b1 = numpy.zeros((n_in, n_hidden)), numpy.zeros(n_hidden)
        self.W2, self.b2 = numpy.zeros((n_hidden, n_out)), numpy.zeros(n_out)

    def forward(self, X):
        self.h = numpy.maximum(X @ self.W1 + self.b1, 0)
        self.out = self.h @ self.W2 + self.b2
        return self.out

    def backward(self, X, y, lr):
        d2 = (self.out - y) * self.scale
        d1 = d2 @ self.W2.T * (self.h > 0)
        self.W2, self.b2 = self.W2 - lr * self.h.T @ d2, self.b2 - lr * d2.sum(0)
        self.W1, self.b1 = self.W1 - lr * X.T @ d1, self.b1 - lr * d1.sum(0)


class DoubledNet(SeedStyleNet):
    scale = 2.0


def test_the_fixture_checks_a_class():
    from comparisons.pytest_plugin import Parity

    spec = dict(sizes=[3, 4, 2], activations="relu", loss="half_sum", lr=0.05)
    weights = [("W1", "b1"), ("W2", "b2")]
    Parity().assert_class_correct(SeedStyleNet, weights, **spec)
    with pytest.raises(AssertionError, match=r"\[wrong_scale\] 2 x"):
        Parity().assert_class_correct(DoubledNet, weights, **spec)
