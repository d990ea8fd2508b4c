"""Check a learner's CS231n-style layer functions, one layer at a time, against torch autograd:

    report = check_layer_fn(affine_forward, affine_backward, layer="affine")
    report = check_layer_fn(softmax_loss, layer="softmax_loss")              # (loss, dx) from one function
    report.passed, report.findings, print(report), report.raise_if_failed()

The layers and their contracts are in layer_check_ops.py (affine, relu, softmax_loss, svm_loss, batchnorm,
dropout, conv, max_pool). Each runs on three designed probes (layer_check_probes.py); backward gets a
standard-normal dout and its own forward's cache; every output is compared with torch's (float64 autograd
on the same values) at the learner rtol of tolerances.py, and a failing one is named (dx, dw, db, ...),
with its worst element and, where a classic bug reproduces it, the likely bug. The learner's functions run
in this process, as check_grad_fn's do for Python callers; exceptions, exits and mutated inputs are findings.
A layer object (forward(x), backward(dout)) is checked the same way with check_layer_class.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .api import run_in_order, validate_waivers

from .layer_check_bugs import dropout_bugs
from .layer_check_case import LayerCase
from .layer_check_checks import layer_checks
from .layer_check_ops import LayerOp, layer_op
from .results import CheckResult, LearnerReport
from .spec import LearnerSpecError
from .trace import learner_name


def _header(case: LayerCase, first_line: str | None = None) -> list[str]:
    return [first_line or f"layer     {case.op.contract()}",
            f"probes    {'; '.join(p.describe() for p in case.probes)} (seed {case.seed}, {case.dtype})",
            f"judged    rel error <= {case.rtol:.0e} against torch autograd in float64 (relative to max|torch| "
            f"of each tensor)"]


def run_layer_checks(case: LayerCase, *, on_fail: str = "report", waivers: dict | None = None,
                     callback: Callable[[CheckResult], None] | None = None, title: str | None = None,
                     first_line: str | None = None) -> LearnerReport:
    """Every check that applies to the layer, in order; waived failures are kept but do not fail the report."""
    checks = layer_checks(case)
    waivers = validate_waivers(on_fail, waivers, [c.__name__ for c in checks])
    report = LearnerReport(title or f"check_layer_fn({case.name}, layer={case.op.name!r})", rerun=case.rerun,
                           header=_header(case, first_line))
    for _ in run_in_order(checks, case, (case.forward, case.backward), report, waivers, callback):
        pass
    if on_fail == "raise":
        report.raise_if_failed()
    return report


def _callable(fn, what: str) -> None:
    if not callable(fn):
        raise LearnerSpecError(f"{what} must be a function, got {fn!r}")


def make_layer_case(forward, backward, op: LayerOp, *, dtype, seed: int, name: str | None, rerun: str | None,
                    names: tuple[str, str] | None = None) -> LayerCase:
    """Validate the caller's arguments, then build the case (probes drawn from seed)."""
    _callable(forward, "forward")
    if op.is_loss and backward is not None:
        raise LearnerSpecError(f"layer {op.name!r} is a loss: {op.contract()}; pass no backward")
    if not op.is_loss:
        if backward is None:
            raise LearnerSpecError(f"layer {op.name!r} needs its backward too: {op.contract()}")
        _callable(backward, "backward")
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise LearnerSpecError(f"dtype must be float32 or float64, got {dtype!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise LearnerSpecError(f"seed must be an integer, got {seed!r}")
    fns = [f for f in (forward, backward) if f is not None]
    name = name or ", ".join(learner_name(f) for f in fns)
    fn_names = names or tuple(getattr(f, "__name__", d) for f, d in zip((forward, backward), (op.forward, op.backward)))
    if rerun is None:
        args = ", ".join(getattr(f, "__name__", "<yours>") for f in fns)
        rerun = f"check_layer_fn({args}, layer={op.name!r}, seed={seed}, dtype='{np.dtype(dtype)}')"
    return LayerCase(op, forward, backward, dtype=dtype, seed=seed, name=name, rerun=rerun, names=fn_names)


def _dropping(case: LayerCase) -> None:
    """The learner's dropout_param p is the probability of dropping (1 - the probes' keep probability)."""
    case.op = replace(case.op, bugs=dropout_bugs("drop"))
    for probe in case.probes:
        keep = probe.config["p"]
        probe.name = probe.name.replace(f"p={keep}", f"p={1 - keep:g}")
        probe.to_learner = lambda cfg: {**cfg, "p": 1 - cfg["p"]}


def check_layer_fn(forward, backward=None, *, layer: str, dtype=np.float64, seed: int = 0, on_fail: str = "report",
                   waivers: dict | None = None, name: str | None = None, rerun: str | None = None,
                   callback=None, p: str = "keep") -> LearnerReport:
    """Check forward (and backward) as the CS231n layer `layer`; see the module docstring.

    waivers: {check_name: reason}; on_fail="raise" raises AssertionError with the report's text.
    p (dropout only): what dropout_param["p"] means, "keep" (CS231n's probability of keeping a unit) or "drop"
    (torch's nn.Dropout(p), the probability of dropping it)."""
    op = layer_op(layer)
    if p not in ("keep", "drop"):
        raise LearnerSpecError(f"p must be 'keep' (CS231n: p keeps a unit) or 'drop' (torch's nn.Dropout(p)), "
                               f"got {p!r}")
    if p == "drop" and op.name != "dropout":
        raise LearnerSpecError(f"p='drop' is dropout's convention; layer {op.name!r} has no p")
    if rerun is None and p == "drop":
        fns = ", ".join(getattr(f, "__name__", "<yours>") for f in (forward, backward) if f is not None)
        rerun = f"check_layer_fn({fns}, layer='dropout', p='drop', seed={seed}, dtype='{np.dtype(dtype)}')"
    case = make_layer_case(forward, backward, op, dtype=dtype, seed=seed, name=name, rerun=rerun)
    if p == "drop":
        _dropping(case)
    return run_layer_checks(case, on_fail=on_fail, waivers=waivers, callback=callback)


def assert_layer_fn_correct(forward, backward=None, **kwargs) -> LearnerReport:
    """check_layer_fn, raising AssertionError with the report's text when any check fails."""
    __tracebackhide__ = True
    report = check_layer_fn(forward, backward, **kwargs)
    report.raise_if_failed()
    return report
