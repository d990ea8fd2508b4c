"""Check a learner's own backprop against torch: check_grad_fn, check_step_fn, their assert_* twins and
parametrize_with_checks (scikit-learn's estimator_checks, for gradients).

    report = check_grad_fn(grad_fn, sizes=[2, 4, 1], activations="relu", output="sigmoid", loss="mse")
    report.passed, report.findings, print(report), report.raise_if_failed()

grad_fn(params, X, y) -> (loss, grads): params [(W, b)], W (fan_in, fan_out), b (fan_out,), X (N, sizes[0]),
y (N, sizes[-1]); grads [(dW, db)] of the same shapes (db may be (1, fan_out)); loss may be None.
A classifier (loss="cross_entropy" or "cross_entropy_sum", on the last layer's logits, output="identity")
gets y as one-hot rows (N, K), or as class indices (N,) (int64) with targets="index".
step_fn(params, X, y, lr) -> new_params: one plain SGD step, p - lr * dL/dp, leaving the params passed alone;
with inplace=True, it updates the params passed in place (W -= lr * dW) and what it returns is not read.
"""
from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterator

import numpy as np

from .checks import (check_finite, check_no_input_mutation, check_repeated_calls, check_runs, check_shapes,
                     check_structure)
from .case import Case
from .events import EVENT_LABELS, CheckInterrupted
from .results import CheckResult, LearnerReport
from .source import signature_problem
from .spec import LearnerSpec, LearnerSpecError
from .trace import learner_name, short_path
from .probes import describe_probes
from .labels import check_every_label_produced
from .trajectory_check import check_trajectory_matches_torch
from .value_checks import (check_grad_matches_finite_diff, check_grad_matches_torch, check_loss_value,
                           check_step_matches_torch)
from ..wording import arg

check_every_label_produced()  # every module that gives a label is imported by now


GRAD_CHECKS = (check_runs, check_structure, check_shapes, check_finite, check_loss_value, check_grad_matches_torch,
               check_grad_matches_finite_diff, check_no_input_mutation, check_repeated_calls)
STEP_CHECKS = (check_runs, check_structure, check_shapes, check_finite, check_step_matches_torch,
               check_trajectory_matches_torch, check_no_input_mutation, check_repeated_calls)


def _yield_grad_checks() -> Iterator[Callable]:
    """What a grad_fn supports, cheapest and most basic first."""
    yield from GRAD_CHECKS


def _yield_step_checks() -> Iterator[Callable]:
    """What a step_fn supports: no loss to check, but steps in a row."""
    yield from STEP_CHECKS


def checks_for(kind: str) -> list[Callable]:
    return list(_yield_grad_checks() if kind == "grad" else _yield_step_checks())


def _module_level_file(fn) -> str | None:
    """The source file of a function defined at the top level of a module (so the CLI can load it)."""
    if getattr(fn, "__globals__", {}).get(getattr(fn, "__name__", "")) is not fn:
        return None
    try:
        path = inspect.getsourcefile(fn)
    except TypeError:
        return None
    return path if path and path.endswith(".py") and os.path.isfile(path) else None   # not "<string>"


def cli_flags(spec: LearnerSpec, kind: str, lr, steps, layout: str | None = None, inplace: bool = False) -> str:
    """The check command's flags for this spec: '--sizes 2,4,1 --activations relu ...'. kind 'class' (a
    class with --weights) takes --lr and --steps but no --kind; layout overrides the spec's."""
    acts = ",".join(dict.fromkeys(spec.activations)) if len(set(spec.activations)) == 1 else ",".join(spec.activations)
    acts = acts or "relu"
    flags = (f"--sizes {','.join(map(str, spec.sizes))} --activations {acts} --output {spec.output} "
             f"--loss {spec.loss}" + (f" --targets {spec.targets}" if spec.class_targets else "")
             + f" --seed {spec.seed} --dtype {spec.dtype}")
    if kind in ("step", "class"):
        flags += (" --kind step" if kind == "step" else "") + f" --lr {lr:g} --steps {steps}"
    if (layout or spec.layout) == "column":
        flags += " --layout column"
    return flags + (" --inplace" if inplace else "")


def rerun_hint(fn, spec: LearnerSpec, kind: str, lr, steps, inplace: bool = False) -> str:
    """The command that reruns this check: the CLI for a module-level function in a file, else the call."""
    flags = cli_flags(spec, kind, lr, steps, inplace=inplace)
    path = _module_level_file(fn)
    if path:
        return f"python -m comparisons check {short_path(path)}:{fn.__name__} {flags}"
    targets = f", targets={spec.targets!r}" if spec.class_targets else ""
    args = f"sizes={list(spec.sizes)}, activations={list(spec.activations)}, output={spec.output!r}, " \
           f"loss={spec.loss!r}{targets}, seed={spec.seed}" + (f", lr={lr:g}, steps={steps}" if kind == "step" else "")
    return f"check_{kind}_fn(<your function>, {args}{', inplace=True' if inplace else ''})"


def validate_waivers(on_fail: str, waivers: dict | None, names: list[str]) -> dict:
    if on_fail not in ("report", "raise"):
        raise LearnerSpecError(f"on_fail must be 'report' or 'raise', got {on_fail!r}")
    waivers = dict(waivers or {})
    unknown = [k for k in waivers if k not in names]
    if unknown:
        raise LearnerSpecError(f"unknown check(s) in waivers: {unknown}; the checks are: {', '.join(names)}")
    return waivers


def run_checks(case: Case, *, on_fail: str = "report", waivers: dict | None = None,
               callback: Callable[[CheckResult], None] | None = None) -> LearnerReport:
    """Run every check that applies, in order; waived failures are kept but do not fail the report."""
    checks = checks_for(case.kind)
    waivers = validate_waivers(on_fail, waivers, [c.__name__ for c in checks])
    report = LearnerReport(f"check_{case.kind}_fn({case.name})", rerun=case.rerun,
                           header=[f"network   {case.spec.describe()}"] + describe_probes(case.spec, case.probes))
    for result in run_in_order(checks, case, case.fn, report, waivers, callback):
        if result.check == "check_runs" and case.precision_note:
            report.header.append(case.precision_note)
    _note_stop(report)
    if on_fail == "raise":
        report.raise_if_failed()
    return report


def run_in_order(checks, case, fn, report: LearnerReport, waivers: dict,
                 callback: Callable[[CheckResult], None] | None = None):
    """Run each check on fn, record its result in report (a failure waived only if the run did not end), and
    yield it; used by check_grad_fn/check_step_fn and the layer checks alike."""
    for chk in checks:
        try:
            result = chk(case.name, fn, case)
        except CheckInterrupted as exc:
            exc.context.insert(0, chk.__name__)
            raise
        ended = any(f.label in EVENT_LABELS for f in result.findings)   # an exit, a hang, ...: never waived
        if result.status == "failed" and result.check in waivers and not ended:
            result.status, result.message = "waived", f"{waivers[result.check]} (it failed: {result.message})"
        elif result.status == "failed":
            report.findings += result.findings
        report.diffs += result.diffs if result.status != "waived" else []
        report.notes += [result.note] if result.note else []
        report.results.append(result)
        yield result
        if callback:
            callback(result)


def _note_stop(report: LearnerReport) -> None:
    """After an event that ended the learner's run, its finding says which checks did not run."""
    at = next((i for i, r in enumerate(report.results) if any(f.label in EVENT_LABELS for f in r.findings)), None)
    if at is None:
        return
    skipped = [r.check for r in report.results[at + 1:] if r.status == "skipped"]
    finding = next(f for f in report.results[at].findings if f.label in EVENT_LABELS)
    finding.note = "the learner was not called again" + (
        f": {len(skipped)} later check(s) did not run ({', '.join(skipped)})" if skipped else "")


def make_case(fn, *, kind: str, sizes, activations, output="identity", loss, dtype=np.float64, seed: int = 0,
              layout: str = "row", lr: float | None = None, steps: int = 5, name: str | None = None,
              rerun: str | None = None, targets: str | None = None, inplace: bool = False) -> Case:
    """Validate everything the caller gave, then build the Case (probes drawn from seed)."""
    if not callable(fn):
        raise LearnerSpecError(f"the learner must be a function, got {fn!r}")
    spec = LearnerSpec.create(sizes=sizes, activations=activations, output=output, loss=loss, dtype=dtype,
                              seed=seed, layout=layout, targets=targets)
    if kind == "step":
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not np.isfinite(lr) or lr <= 0:
            raise LearnerSpecError(f"{arg('lr')} must be a positive number, got {lr!r}")
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
            raise LearnerSpecError(f"{arg('steps')} must be a positive integer, got {steps!r}")
    problem = signature_problem(fn, kind)
    if problem:
        raise LearnerSpecError(problem)
    if not isinstance(inplace, bool):
        raise LearnerSpecError(f"{arg('inplace')} must be True or False, got {inplace!r}")
    return Case(fn, spec, kind=kind, lr=lr, steps=int(steps), name=name or learner_name(fn), inplace=inplace,
                rerun=rerun if rerun is not None else rerun_hint(fn, spec, kind, lr, steps, inplace))


def check_grad_fn(grad_fn, *, sizes, activations, output="identity", loss, dtype=np.float64, seed: int = 0,
                  layout: str = "row", on_fail: str = "report", waivers: dict | None = None,
                  name: str | None = None, rerun: str | None = None, callback=None,
                  targets: str | None = None) -> LearnerReport:
    """Check grad_fn(params, X, y) -> (loss, grads) on four designed probes; see the module docstring.

    layout="column": W (fan_out, fan_in), b (fan_out, 1), X (features, N), y (outputs, N), as seed 003.
    targets: the form of y for a class loss, "one_hot" (the default for cross-entropy) or "index".
    waivers: {check_name: reason}; on_fail="raise" raises AssertionError with the report's text."""
    case = make_case(grad_fn, kind="grad", sizes=sizes, activations=activations, output=output, loss=loss,
                     dtype=dtype, seed=seed, layout=layout, name=name, rerun=rerun, targets=targets)
    return run_checks(case, on_fail=on_fail, waivers=waivers, callback=callback)


def check_step_fn(step_fn, *, sizes, activations, output="identity", loss, lr: float, steps: int = 5, dtype=np.float64,
                  seed: int = 0, layout: str = "row", on_fail: str = "report", waivers: dict | None = None,
                  name: str | None = None, rerun: str | None = None, callback=None,
                  targets: str | None = None, inplace: bool = False) -> LearnerReport:
    """Check step_fn(params, X, y, lr) -> new_params: one step per probe (at lr * (1, 1/2, 1, 1/4)), then
    `steps` steps in a row, all compared with torch.optim.SGD(lr) on the same network (targets: as
    check_grad_fn's).
    inplace=True: the step_fn's contract is an in-place update (W -= lr * dW on the params passed, returning
    None or anything): the params passed, as it left them, are judged. Without it, writing into the params
    passed is a mutates_input finding."""
    case = make_case(step_fn, kind="step", sizes=sizes, activations=activations, output=output, loss=loss,
                     dtype=dtype, seed=seed, layout=layout, lr=lr, steps=steps, name=name, rerun=rerun,
                     targets=targets, inplace=inplace)
    return run_checks(case, on_fail=on_fail, waivers=waivers, callback=callback)


def assert_grad_fn_correct(grad_fn, **kwargs) -> LearnerReport:
    """check_grad_fn, raising AssertionError with the report's text when any check fails."""
    __tracebackhide__ = True
    report = check_grad_fn(grad_fn, **kwargs)
    report.raise_if_failed()
    return report


def assert_step_fn_correct(step_fn, **kwargs) -> LearnerReport:
    """check_step_fn, raising AssertionError with the report's text when any check fails."""
    __tracebackhide__ = True
    report = check_step_fn(step_fn, **kwargs)
    report.raise_if_failed()
    return report


def parametrize_with_checks(fn, *, kind: str | None = None, **spec):
    """A pytest.mark.parametrize over the checks, one test per check, id = the check's name:

        @parametrize_with_checks(grad_fn, sizes=[2, 4, 1], activations="relu", output="sigmoid", loss="mse")
        def test_my_backprop(check):
            check()

    kind is "grad" or "step" (default: "step" when lr is given). A skipped check skips, a waived one xfails."""
    import pytest

    kind = kind or ("step" if "lr" in spec else "grad")
    waivers = spec.pop("waivers", None) or {}

    def runner(check_name: str):
        def run():
            __tracebackhide__ = True
            case = make_case(fn, kind=kind, **spec)
            chk = next(c for c in checks_for(kind) if c.__name__ == check_name)
            result = chk(case.name, fn, case)
            if result.status == "skipped":
                pytest.skip(result.message)
            if result.status == "failed":
                if check_name in waivers:
                    pytest.xfail(waivers[check_name])
                report = LearnerReport(f"{check_name}({case.name})", findings=result.findings, results=[result],
                                       rerun=case.rerun, header=[f"network   {case.spec.describe()}"])
                raise AssertionError(str(report))
        run.__name__ = check_name
        return run

    return pytest.mark.parametrize("check", [pytest.param(runner(c.__name__), id=c.__name__)
                                             for c in checks_for(kind)])
