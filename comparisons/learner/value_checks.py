"""Learner checks that compare values: the loss, every gradient on every probe, and the learner's gradient
against finite differences of its own loss (a few steps in a row: trajectory_check.py)."""
from __future__ import annotations

import numpy as np

from manual.gradcheck import central_difference, relative_error

from .checks import call_finding, check, failed, probes_of, stopped, tensor_findings
from ..compare import compare_arrays
from .diagnose import best_diagnosis
from .labels import BAD_STRUCTURE, NON_FINITE, UNKNOWN, WRONG_SCALE, WRONG_SIGN, produces
from .case import Case, Skip
from .results import CheckResult, LearnerFinding
from .reference import forward
from ..report import Diagnosis
from .scale import RatioFit, alternatives, best_ratio, match_factor, named_factors
from ..tolerances import LEARNER_FD, STABILISER

produces(__name__, UNKNOWN, BAD_STRUCTURE, NON_FINITE, WRONG_SCALE, WRONG_SIGN)  # and scale.py's, diagnose.py's


def _matches_torch(case: Case, note: str) -> CheckResult:
    calls = case.usable()
    judged = [case.judge(c) for c in calls]
    diffs = [d for j in judged for d in j.values()]
    if all(d.passed for d in diffs):
        worst = max(d.rel for d in diffs)
        return CheckResult("", "passed", f"{len(judged[0])} tensors x {len(calls)} probes match torch "
                                         f"(max rel {worst:.1e})", diffs=diffs)
    diags = case.first_diagnoses
    findings = tensor_findings(case, calls, judged, diags, note)
    result = failed(findings, f"{len(findings)} tensor(s) differ from torch", best_diagnosis(diags))
    result.diffs = diffs
    return result


@check
def check_grad_matches_torch(name, fn, case: Case) -> CheckResult:
    """dW and db equal torch's on every probe, within the learner rtol (rel to the tensor's magnitude)."""
    return _matches_torch(case, "")


@check
def check_step_matches_torch(name, fn, case: Case) -> CheckResult:
    """One step from each probe equals torch's SGD step: the implied g = (p - p_new) / lr equals torch's grad."""
    return _matches_torch(case, "g implied by your update, (p - p_new) / lr")


def _loss_passes(case: Case, diffs, calls) -> CheckResult | None:
    """Passed when every probe's loss is within rtol, or (float64) within STABILISER while every gradient
    matches torch: log(p + 1e-7) or clipping moves the value by ~1e-6, not the gradient code. In float32 the
    learner rtol (1e-3) is above STABILISER, so there a stabiliser passes as any float32 value does."""
    worst = max(d.rel for d in diffs)
    if all(d.passed for d in diffs):
        return CheckResult("", "passed", f"loss matches on {len(diffs)} probes", diffs=diffs)
    if worst > STABILISER or not all(d.passed for c in calls for d in case.judge(c).values()):
        return None
    msg = (f"your loss differs from torch's by {worst:.0e} relative: a stabiliser such as log(p + 1e-7) or "
           f"clipping; the gradients match")
    return CheckResult("", "passed", msg, note=f"note      {msg}")


@check
def check_loss_value(name, fn, case: Case) -> CheckResult:
    """The returned loss equals torch's loss for the declared reduction (skipped when it returns None); a
    difference up to STABILISER passes with a note when every gradient matches. A constant ratio to
    torch's is named from the same factor tables as a gradient's (scale.py)."""
    calls = case.usable()
    with_loss = [c for c in calls if c.loss is not None]
    if not with_loss:
        raise Skip(f"{'grad_fn' if case.kind == 'grad' else 'step_fn'} returns no loss")
    refs = [case.reference(c.probe).loss for c in with_loss]
    diffs = [compare_arrays(c.loss, r, name="loss", kind="loss", rtol=case.rtol) for c, r in zip(with_loss, refs)]
    if (result := _loss_passes(case, diffs, calls)) is not None:
        return result
    fit = RatioFit(tuple(c.probe.N for c in with_loss), (None,) * len(with_loss),
                   tuple(c.loss / r if r else None for c, r in zip(with_loss, refs)))
    factors, k = match_factor(fit, case.spec, named_factors(case.spec, quantity="loss"), case.rtol), case.spec.sizes[-1]
    diag = Diagnosis(UNKNOWN, "the loss value differs and is no known multiple of torch's", fit.evidence(k))
    if factors:
        diag = Diagnosis(factors[0].label, f"the loss value is {factors[0].text(k)} torch's: {factors[0].meaning}",
                         fit.evidence(k) + alternatives(factors, k))
    grads_ok = all(d.passed for c in calls for d in case.judge(c).values())
    note = "the gradients match torch: only the loss value you report is off" if grads_ok else ""
    worst = max(range(len(diffs)), key=lambda i: diffs[i].rel)
    wrong = [c for c, d in zip(with_loss, diffs) if not d.passed]
    finding = LearnerFinding(diffs[worst], diag, note, wrong_on=probes_of(wrong),
                             right_on=probes_of([c for c in with_loss if c not in wrong]),
                             probe=with_loss[worst].probe.name)
    return failed([finding], "loss value differs", diag)


def _kinks(case: Case, probe, params) -> list[np.ndarray]:
    """Between which kinks every pre-activation lies (finite differences across a kink lie)."""
    zs, _ = forward(case.spec, params, probe.X)
    return [case.spec.act(k).side(zs[k]) for k in range(case.spec.n_linear - 1) if case.spec.act(k).kinks()]


class _Stopped(Exception):
    """A perturbed call ended the learner's run: carries the check's result out of the difference."""

    def __init__(self, result: CheckResult):
        self.result = result


def _own_loss(case: Case, probe, params):
    """f() for central_difference: the loss your grad_fn returns at `params` (perturbed in place)."""
    def f() -> float:
        c = case.call(probe, params=[tuple(x) for x in params])
        if (result := stopped(case, [c])) is not None:
            raise _Stopped(result)
        if c.error is not None or c.loss is None:
            raise Skip(f"a perturbed call failed: {c.error!r}")
        return c.loss
    return f


def _differences(case: Case, call, per_tensor: int) -> list[tuple[str, float, float, float]]:
    """(where, yours, finite difference, rounding floor) on up to `per_tensor` entries of every tensor at
    call's probe; entries whose step crosses a kink are left out."""
    params = [[np.array(W, np.float64), np.array(b, np.float64)] for W, b in call.probe.params]
    analytic = case.yours(call)
    f, sides = _own_loss(case, call.probe, params), (lambda: _kinks(case, call.probe, params))
    rows = []
    for k, pair in enumerate(params):
        for w, p in enumerate(pair):
            for i in np.unique(np.linspace(0, p.size - 1, min(per_tensor, p.size)).astype(int)):
                index = np.unravel_index(i, p.shape)
                numeric, kink, floor = central_difference(f, p, index, signature=sides)
                if not kink:
                    at = ", ".join(str(int(j)) for j in index)
                    rows.append((f"{case.spec.param_name(k, w)}[{at}]", float(analytic[k][w][index]), numeric, floor))
    return rows


def _worst(rows, c: float = 1.0) -> tuple[float, str]:
    """The largest relative error of yours against c * the finite difference, and where."""
    errs = [float(relative_error(np.float64(a), np.float64(c * n), abs(c) * floor)) for _, a, n, floor in rows]
    if not errs:
        return 0.0, ""
    i = int(np.argmax(errs))
    where, a, n, _ = rows[i]
    return errs[i], f"{where}: yours {a:+.6g}, finite diff {n:+.6g}"


def _ratio(rows, rtol: float) -> float | None:
    """c with yours = c * finite differences on every entry (within rtol), else None."""
    c = best_ratio(np.array([r[1] for r in rows]), np.array([r[2] for r in rows])) if rows else None
    return c if c is not None and _worst(rows, c)[0] <= rtol else None


def _own_ratio(case: Case, first, big, rows, rtol: float) -> Diagnosis | None:
    """Your gradient is a constant multiple of the finite differences of your own loss on N=3 and on N=8:
    a reduction that differs between your loss and your gradient, named from the factor tables."""
    c_small = _ratio(rows, rtol)
    c_big = None if c_small is None else _ratio(_differences(case, big, 4), rtol)
    if c_big is None:
        return None
    fit = RatioFit((first.probe.N, big.probe.N), (None, None), (c_small, c_big))
    k = case.spec.sizes[-1]
    if c_small < 0 and c_big < 0:
        size = "" if abs(abs(c_small) - 1) <= rtol and abs(abs(c_big) - 1) <= rtol else " (and of another size)"
        why = (f"your gradient has the opposite sign of your own loss's gradient{size}: the error taken as "
               "y - yhat, or a sign lost in backprop, not a reduction")
    else:
        why = "so your loss and your gradient use different reductions"
    evidence = (fit.evidence(k, "finite differences of your own loss") + ": your backprop is right but for this "
                f"factor, {why}")
    factors = match_factor(fit, case.spec, named_factors(case.spec), rtol)
    if factors:
        f = factors[0]
        return Diagnosis(f.label, f"your gradient is {f.text(k)} the gradient of your own loss: {f.meaning}",
                         evidence + alternatives(factors, k))
    if abs(c_big - c_small) <= 10 * rtol * abs(c_small):
        return Diagnosis(WRONG_SIGN if c_small < 0 else WRONG_SCALE, f"your gradient is {c_small:.4g} x the gradient "
                         "of your own loss, a constant factor that is no known reduction", evidence)
    return None


@check
def check_grad_matches_finite_diff(name, fn, case: Case) -> CheckResult:
    """Where the torch check fails: is your gradient at least the gradient of your own loss?

    Central differences (L(p + h) - L(p - h)) / 2h of the loss your grad_fn returns (manual.gradcheck's
    routine and h), on up to 12 entries of every tensor (probe N=3), entries whose step crosses a kink left
    out, judged by its relative error above the rounding floor. If they match, your backprop is right for your
    loss and your loss is not the declared one. If your gradient is a constant multiple of them (on N=3 and,
    4 entries a tensor, on N=8), the multiple is named (N x, 1/2 x, ...)."""
    calls = case.usable()
    wrong = [c for c in calls if not all(d.passed for d in case.judge(c).values())]
    if not wrong:
        raise Skip("not needed: the gradients match torch")
    if case.spec.dtype != np.float64:
        raise Skip("finite differences need float64")
    first = wrong[0]   # a call that matches torch says nothing of your loss (state kept between calls, say)
    if first.loss is None:
        raise Skip("grad_fn returns no loss")
    rtol = LEARNER_FD["rtol"]
    try:
        rows = _differences(case, first, 12)
        worst, where = _worst(rows)
        diag = _own_ratio(case, first, calls[2], rows, rtol) if worst > rtol else None
    except _Stopped as stop:
        return stop.result
    if worst <= rtol:
        msg = (f"your gradient is right for your own loss (finite differences agree to rel {worst:.0e}), but "
               f"your loss is not the declared one ({case.spec.loss})")
        return CheckResult("", "passed", msg, note=f"note      {msg}")
    if diag is None:
        torch_diag = best_diagnosis(case.first_diagnoses)
        label, summary = (torch_diag.label, f"as in the torch check: {torch_diag.summary}") if torch_diag else \
            (UNKNOWN, "no known label fits")
        diag = Diagnosis(label, summary, "your gradient is not the gradient of your own loss either, so the bug is "
                                         "in backprop")
    finding = call_finding(case, diag, f"rel {worst:.1e} > {rtol:.0e} at {where}",
                           f"gradient differs from finite differences of your own loss on {first.probe.name}")
    return failed([finding], "differs from finite differences of your own loss")
