"""pytest plugin (pytest11 entry point `backprop_parity`): a `parity` fixture whose assert helpers make a
learner's test one line, with the diagnosis as the failure message.

    def test_my_backprop(parity):
        parity.assert_grad_fn_correct(grad_fn, sizes=[2, 4, 1], activations="relu", output="sigmoid",
                                      loss="mse")

    def test_my_classifier(parity):      # every keyword of check_grad_fn passes through: targets too
        parity.assert_grad_fn_correct(grad_fn, sizes=[4, 8, 3], activations="relu", loss="cross_entropy",
                                      targets="index")

Options (group "backprop-parity"): --parity-seed (probe draws), --parity-dtype (float64 | float32),
--parity-steps (steps in a row for step checks). The report header prints them, with the tolerances, so a
failure replays with the same command. Heavy imports (torch) wait until a check runs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

DTYPES = ("float64", "float32")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("backprop-parity", "checks of hand-written backprop against torch")
    group.addoption("--parity-seed", type=int, default=0, metavar="SEED",
                    help="seed of the probe draws for learner checks (default 0)")
    group.addoption("--parity-dtype", choices=DTYPES, default="float64",
                    help="dtype of the probes for learner checks (default float64)")
    group.addoption("--parity-steps", type=int, default=5, metavar="N",
                    help="SGD steps in a row for step_fn checks (default 5)")


def _settings(config: pytest.Config) -> tuple[int, str, int]:
    return (config.getoption("--parity-seed"), config.getoption("--parity-dtype"),
            config.getoption("--parity-steps"))


def pytest_report_header(config: pytest.Config) -> str:
    from .tolerances import LEARNER_FD, learner_tolerance

    seed, dtype, steps = _settings(config)
    tol = learner_tolerance(dtype)
    return (f"backprop-parity: --parity-seed {seed} --parity-dtype {dtype} --parity-steps {steps} "
            f"(learner rtol {tol.step:.0e} per gradient, {tol.trajectory:.0e} per trajectory step, "
            f"finite differences {LEARNER_FD['rtol']:.0e})")


@dataclass
class Parity:
    """The `parity` fixture: learner checks with the session's seed, dtype and steps as defaults."""

    seed: int = 0
    dtype: str = "float64"
    steps: int = 5
    nodeid: str = ""

    def _defaults(self, kwargs: dict, step: bool) -> dict:
        kwargs.setdefault("seed", self.seed)
        kwargs.setdefault("dtype", np.dtype(self.dtype))
        if step:
            kwargs.setdefault("steps", self.steps)
        kwargs.setdefault("rerun", f"pytest {self.nodeid} --parity-seed {kwargs['seed']} "
                                   f"--parity-dtype {np.dtype(kwargs['dtype'])}")
        return kwargs

    def check_grad_fn(self, grad_fn, **kwargs):
        from .learner.api import check_grad_fn

        return check_grad_fn(grad_fn, **self._defaults(kwargs, step=False))

    def check_step_fn(self, step_fn, **kwargs):
        from .learner.api import check_step_fn

        return check_step_fn(step_fn, **self._defaults(kwargs, step=True))

    def check_class(self, learner, weights, **kwargs):
        from .learner.adapters import check_class

        return check_class(learner, weights, **self._defaults(kwargs, step=True))

    def assert_grad_fn_correct(self, grad_fn, **kwargs):
        """Fail the test with the report's text unless grad_fn passes every check."""
        __tracebackhide__ = True
        self.check_grad_fn(grad_fn, **kwargs).raise_if_failed()

    def assert_step_fn_correct(self, step_fn, **kwargs):
        """Fail the test with the report's text unless step_fn passes every check."""
        __tracebackhide__ = True
        self.check_step_fn(step_fn, **kwargs).raise_if_failed()

    def assert_class_correct(self, learner, weights, **kwargs):
        """Fail the test unless the class (see comparisons.learner.adapters.step_fn_from_class) passes every check."""
        __tracebackhide__ = True
        self.check_class(learner, weights, **kwargs).raise_if_failed()


@pytest.fixture
def parity(request: pytest.FixtureRequest) -> Parity:
    """Learner checks honouring --parity-seed, --parity-dtype and --parity-steps."""
    seed, dtype, steps = _settings(request.config)
    return Parity(seed, dtype, steps, request.node.nodeid)
