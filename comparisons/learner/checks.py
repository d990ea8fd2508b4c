"""Learner checks, one function per property: check_<property>(name, fn, case) -> CheckResult.

This module holds the checks that need no torch answer (the learner runs, returns the documented
structure and shapes, finite values, leaves its inputs alone, gives the same answer twice) and the
helpers every check shares. value_checks.py compares values with torch; learner.py runs them in order.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from ..compare import TensorDiff
from .diagnose import diagnose_tensors, explain_exception
from .case import Case, Skip
from .events import LearnerEvent
from .labels import (BAD_SHAPE, BAD_STRUCTURE, BIAS_NOT_SUMMED, MUTATES_INPUT, NON_FINITE, RAISED, TRANSPOSED, UNKNOWN,
                     produces)
from .calls import Call, LearnerSetupError, inplace_option, shape_problems
from .results import CheckResult, LearnerFinding
from ..report import Diagnosis
from ..wording import arg

Check = Callable[[str, Callable, Case], CheckResult]
# check_structure and check_shapes report the labels of calls.py's Problems (bad_structure; bad_shape, transposed,
# bias_not_summed); an ended run keeps its event's label (events.py)
produces(__name__, RAISED, NON_FINITE, MUTATES_INPUT, BAD_STRUCTURE, UNKNOWN, BAD_SHAPE, TRANSPOSED, BIAS_NOT_SUMMED)


def check(func: Check) -> Check:
    """Name the result after the function, and turn Skip into a skipped result."""

    @functools.wraps(func)
    def run(name: str, fn, case: Case) -> CheckResult:
        try:
            result = func(name, fn, case)
        except Skip as why:
            return CheckResult(func.__name__, "skipped", str(why))
        result.check = func.__name__
        for f in result.findings:
            f.check = func.__name__
        return result

    return run


def what(case: Case) -> str:
    return "grad_fn" if case.kind == "grad" else "step_fn"


def probes_of(calls: list[Call]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.probe.name for c in calls))


def call_finding(case: Case, diagnosis: Diagnosis, problem: str, headline: str, *, wrong: list[Call] = (),
                 right: list[Call] = (), name: str = "", at: str = "") -> LearnerFinding:
    """A finding about calls rather than one tensor's values (raised, wrong structure, mutated input).
    `wrong` and `right` are the probes' calls where it happened and where it did not."""
    diff = TensorDiff(name=name, kind="call", rtol=0.0, problem=problem)
    return LearnerFinding(diff, diagnosis, headline=headline, wrong_on=probes_of(wrong), right_on=probes_of(right),
                          at=at)


def event_finding(case: Case, call: Call) -> LearnerFinding:
    """The finding for a call that ended the learner's run (exited, timed out, crashed, out of memory,
    interrupted): what happened on which probe and call, the learner's line when known, what to do."""
    event = call.error
    return call_finding(case, Diagnosis(event.label, event.hint), str(event), f"{what(case)} {event.headline}",
                        at=call.where)


def stopped(case: Case, calls: list[Call]) -> CheckResult | None:
    """A failed result when one of `calls` ended the learner's run, else None."""
    for c in calls:
        if isinstance(c.error, LearnerEvent):
            return failed([event_finding(case, c)], f"{what(case)} {c.error.headline}")
    return None


def grouped(calls: list[Call], key: Callable[[Call], object]) -> dict:
    """Calls grouped by key (None keys dropped), in first-seen order."""
    out: dict = {}
    for c in calls:
        k = key(c)
        if k is not None:
            out.setdefault(k, []).append(c)
    return out


def failed(findings: list[LearnerFinding], message: str, diagnosis: Diagnosis | None = None) -> CheckResult:
    return CheckResult("", "failed" if findings else "passed", message, diagnosis or
                       (findings[0].diagnosis if findings else None), findings)


def tensor_findings(case: Case, calls: list[Call], judged: list[dict], diags: dict,
                    note: str = "") -> list[LearnerFinding]:
    """One finding per failing tensor: its worst diff over the probes, where it fails, its diagnosis.
    Tensors sharing a diagnosis (label and summary) come together, so the report shows each one once;
    the group of the most common label comes first, the others in network order."""
    failing = [t for t in judged[0] if any(not j[t].passed for j in judged)]
    labels = [diags[t].label for t in failing if t in diags]
    top = max(dict.fromkeys(labels), key=labels.count) if labels else None
    key = {t: (diags[t].label, diags[t].summary) if t in diags else None for t in failing}
    order = {g: i for i, g in enumerate(dict.fromkeys(key[t] for t in failing))}
    failing.sort(key=lambda t: (key[t] is None or key[t][0] != top, order[key[t]]))
    out = []
    for t in failing:
        worst_i = max(range(len(judged)), key=lambda i: judged[i][t].rel)
        where = "new params" if case.kind == "step" else "grads"
        wrong = [c for c, j in zip(calls, judged) if not j[t].passed]
        right = [c for c, j in zip(calls, judged) if j[t].passed]
        out.append(LearnerFinding(judged[worst_i][t], diags.get(t), note, wrong_on=probes_of(wrong),
                                  right_on=probes_of(right), probe=calls[worst_i].probe.name,
                                  yours=where + case.spec.yours(*t)))
    return out


def _hint(case: Case, call: Call, ran: list[Call]) -> str:
    """What an exception often means here: column-major code checked row-major, input() without stdin."""
    if case.spec.layout == "row" and "matmul" in str(call.error) and not ran:
        return f"if your code is written as W @ x (seed 003), check it with {arg('layout', 'column')}"
    if type(call.error).__name__ == "EOFError":
        return ("input() found no input: the check gives your code an empty stdin; take values as arguments "
                "instead of asking for them")
    if "File too large" in str(call.error):
        return "your code wrote more than the check lets it (its output and files are capped): print less"
    return ""


# ---- the checks -------------------------------------------------------------------------------------
@check
def check_runs(name, fn, case: Case) -> CheckResult:
    """The learner runs on every probe (N = 1, 3, 8, near saturation) without raising."""
    calls = case.first_calls
    ran = [c for c in calls if c.error is None]
    findings = []
    for group in grouped(calls, lambda c: (type(c.error).__name__, c.where) if c.error else None).values():
        c = group[0]
        if isinstance(c.error, LearnerEvent):
            findings.append(event_finding(case, c))
            continue
        diag = explain_exception(case.spec, c.error, c.probe.N)
        problem, headline = f"{type(c.error).__name__}: {c.error}", f"{what(case)} raised"
        if diag.label == RAISED:
            only = (f" on {', '.join(probes_of(group))} only: it does not handle every batch size" if ran else "")
            diag = Diagnosis(RAISED, f"your code raised {type(c.error).__name__}{only}", _hint(case, c, ran))
        elif isinstance(c.error, LearnerSetupError):
            problem, headline = diag.summary, "the adapter cannot drive the learner's object"
        findings.append(call_finding(case, diag, problem, headline, wrong=group, right=ran, at=c.where))
    return failed(findings, f"ran on {len(calls)} probes" if not findings else "raised")


@check
def check_structure(name, fn, case: Case) -> CheckResult:
    """It returns what the contract says: (loss, [(dW, db), ...]) or [(W, b), ...], one pair per layer."""
    calls = [c for c in case.first_calls if c.error is None]
    if not calls:
        raise Skip("the learner raised on every probe")
    right = [c for c in calls if c.problem is None]
    findings = [call_finding(case, Diagnosis(g[0].problem.label, g[0].problem.message), g[0].problem.message,
                             f"{what(case)} returned the wrong structure", wrong=g, right=right)
                for g in grouped(calls, lambda c: c.problem.message if c.problem else None).values()]
    nones = [c for c in right if c.raw is None]
    if in_place(case):
        msg = f"the params passed, as your step_fn left them, are judged ({inplace_option()})"
    else:
        msg = "returned None and updated the params in place (accepted)" if nones else "structure as documented"
    return failed(findings, msg)


@check
def check_shapes(name, fn, case: Case) -> CheckResult:
    """Every array has its parameter's shape (a keepdims bias, (1, fan_out), is accepted). A dtype other than
    the probes' is noted, not failed: it is no backprop bug."""
    calls = [c for c in case.first_calls if c.ok]
    if not calls:
        raise Skip("no call returned a readable result")
    problems = {c.index: shape_problems(c, case.spec, case.kind) for c in calls}
    keys: dict = {}
    for c in calls:
        for p in problems[c.index]:
            keys.setdefault((p.label, p.tensor), []).append((c, p))
    findings = []
    for (label, t), items in keys.items():
        wrong = [c for c, _ in items]
        where = f"shape of {case.spec.param_name(*t)} ({case.spec.layer_label(t[0])})" if t else "order of the pairs"
        message = next((p.message for c, p in items if c.probe.N > 1), items[0][1].message)  # N=1 tells least
        findings.append(call_finding(case, Diagnosis(label, message), message,
                                     f"{what(case)} returned the wrong {where}", wrong=wrong,
                                     right=[c for c in calls if c not in wrong],
                                     name=case.spec.param_name(*t) if t else ""))
    dtypes = {str(a.dtype) for c in calls for pair in c.pairs for a in pair} - {str(case.spec.dtype)}
    if case.kind == "step":
        findings += _dtype_findings(case, calls)
        dtypes = set()
    note = f"; note: returned {', '.join(sorted(dtypes))} arrays for {case.spec.dtype} inputs" if dtypes else ""
    return failed(findings, "shapes as documented" + note)


def _dtype_findings(case: Case, calls: list[Call]) -> list[LearnerFinding]:
    """A step_fn's new params keep the dtype of the params given: float64 back from float32 params turns the
    training loop to float64 after one step (a float64 buffer or constant mixed in), float32 back from
    float64 ones drops precision at every step. One finding per returned dtype and set of probes (bad_shape:
    the arrays are not of the parameters' kind)."""
    want, groups = np.dtype(case.spec.dtype), {}
    for k in range(case.spec.n_linear):
        for w in (0, 1):
            wrong = [c for c in calls if c.pairs[k][w].dtype != want]
            if wrong:
                groups.setdefault((str(wrong[0].pairs[k][w].dtype), tuple(c.index for c in wrong)), []).append(
                    (k, w))
    out = []
    for (got, _), tensors in groups.items():
        wrong = [c for c in calls if c.pairs[tensors[0][0]][tensors[0][1]].dtype != want]
        names = [case.spec.param_name(k, w) for k, w in tensors]
        which = ("every new W and b" if len(tensors) == 2 * case.spec.n_linear else
                 ", ".join(f"new {'Wb'[w]} of {case.spec.layer_label(k)}" for k, w in tensors))
        message = (f"{which} {'is' if len(tensors) == 1 else 'are'} {got}, but the params given were {want}: a "
                   f"step keeps the params' dtype (look for a {got} array mixed in, or cast back with "
                   ".astype(W.dtype))")
        out.append(call_finding(case, Diagnosis(BAD_SHAPE, message), message,
                                f"step_fn returned {got} params for {want} ones ({', '.join(names)})", wrong=wrong,
                                right=[c for c in calls if c not in wrong], name=names[0]))
    return out


@check
def check_finite(name, fn, case: Case) -> CheckResult:
    """No NaN or Inf where torch's values are finite."""
    calls = [c for c in case.first_calls if c.ok and not shape_problems(c, case.spec, case.kind)]
    if not calls:
        raise Skip("no call returned arrays of the right shapes")
    findings = []
    tensors = [(k, w) for k in range(case.spec.n_linear) for w in (0, 1)]
    for t in tensors:
        bad = [c for c in calls if not np.isfinite(np.asarray(c.pairs[t[0]][t[1]], np.float64)).all()]
        if bad:
            a = np.asarray(bad[0].pairs[t[0]][t[1]], np.float64)
            idx = [int(i) for i in np.argwhere(~np.isfinite(a))[0]]
            problem = f"{a[tuple(idx)]} at {idx} ({int((~np.isfinite(a)).sum())} of {a.size} non-finite)"
            diag = Diagnosis(NON_FINITE, "NaN or Inf returned on finite input (torch's values are finite): "
                                           "look for log(0), 0/0, exp overflow")
            findings.append(call_finding(case, diag, problem, f"non-finite {case.spec.param_name(*t)}", wrong=bad,
                                         right=[c for c in calls if c not in bad], name=case.spec.param_name(*t)))
    bad_loss = [c for c in calls if c.loss is not None and not np.isfinite(c.loss)]
    if bad_loss:
        findings.append(call_finding(case, Diagnosis(NON_FINITE, "the loss is NaN or Inf on finite input"),
                                     f"loss = {bad_loss[0].loss}", "non-finite loss", wrong=bad_loss,
                                     right=[c for c in calls if c not in bad_loss], name="loss"))
    return failed(findings, "all values finite")


def in_place(case: Case) -> bool:
    """The learner's contract is an in-place update of the params passed (check_step_fn(inplace=True))."""
    return case.kind == "step" and getattr(case, "inplace", False)   # a LayerCase has no such contract


def _which(case: Case, name: str) -> str:
    """'params[1][0]' -> 'params[1][0] (the W of layer 2 (Linear 5->2))'; X and y as they are."""
    if not name.startswith("params["):
        return name
    k, w = (int(i) for i in name[len("params["):-1].split("]["))
    if k >= case.spec.n_linear or w > 1:
        return name
    return f"{name} (the {'Wb'[w]} of {case.spec.layer_label(k)})"


def _arrays(case: Case, names: list[str]) -> str:
    """What the names say: 'every W and b passed', or each one with its layer."""
    if len(names) == 2 * case.spec.n_linear and all(n.startswith("params") for n in names):
        return "every W and b passed"
    return ", ".join(_which(case, n) for n in names)


def _mutation_diagnosis(case: Case, names: list[str], calls: list[Call]) -> Diagnosis:
    if names[0].startswith("params") and case.kind == "step":
        nones = " and returned None" if any(c.raw is None and c.error is None for c in calls) else ""
        return Diagnosis(MUTATES_INPUT, f"step_fn writes into the caller's arrays: {_arrays(case, names)} (W -= lr "
                                        f"* dW on the params passed in){nones}",
                         "return new arrays (W = W - lr * dW) and leave the caller's alone; or, if your contract is "
                         f"an in-place update, check it with {inplace_option()}")
    hint = " (an update inside grad_fn? a step_fn may do that, a grad_fn may not)" if names[0].startswith("params") \
        else ""
    return Diagnosis(MUTATES_INPUT, f"{what(case)} changes {_arrays(case, names)} in place{hint}",
                     "work on copies (W = W.copy()) or avoid -=, *=, /= on the arrays you are given")


@check
def check_no_input_mutation(name, fn, case: Case) -> CheckResult:
    """params, X and y are left as they were passed; a step_fn checked with inplace=True updates the params.
    The params arrays changed on the same probes make one finding; X and y one each."""
    calls = case.first_calls
    changed: dict = {}
    for c in calls:
        for n in c.mutated:
            if not (in_place(case) and n.startswith("params")):
                changed.setdefault(n, []).append(c)
    groups: dict = {}
    for n, group in changed.items():
        groups.setdefault((n if not n.startswith("params") else "params", tuple(c.index for c in group)), []).append(n)
    findings = []
    for names in groups.values():
        group = changed[names[0]]
        shown = " and ".join(names) if len(names) <= 2 else f"{names[0]} and {len(names) - 1} more arrays"
        findings.append(call_finding(case, _mutation_diagnosis(case, names, group),
                                     f"{_arrays(case, names)} changed by the call", f"{shown} modified in place",
                                     wrong=group, right=[c for c in calls if c not in group]))
    return failed(findings, "inputs left unchanged" if not in_place(case) else "X and y left unchanged")


@check
def check_repeated_calls(name, fn, case: Case) -> CheckResult:
    """Called twice on the same input, it returns the same result: no state is carried between calls."""
    case.usable()
    probe = case.probes[0]
    calls = [case.call(probe)]
    if case.stopped is None:
        calls.append(case.call(probe))
    if (result := stopped(case, calls)) is not None:
        return result
    first, second = calls
    for c in (first, second):
        if not c.ok or shape_problems(c, case.spec, case.kind):
            diag = explain_exception(case.spec, c.error, probe.N) if c.error else \
                Diagnosis(BAD_STRUCTURE, c.problem.message if c.problem else "wrong shapes on a repeated call")
            return failed([call_finding(case, diag, diag.summary, f"a repeated call on {probe.name} failed",
                                        at=c.where)], "repeated call failed")
    obs = case.observation(second)
    yours_1 = case.yours(first)
    tensors = [(k, w) for k in range(case.spec.n_linear) for w in (0, 1)]
    errs = {t: obs.error(t, yours_1) for t in tensors}
    if max(errs.values()) <= case.rtol:
        return CheckResult("", "passed", f"two more calls on {probe.name} agree (max rel {max(errs.values()):.1e})")
    diags = diagnose_tensors(case.spec, [obs], rtol=case.rtol, step=case.kind == "step")
    judged = [case.judge(second)]
    note = (f"the same call gave a different answer the second time (max rel {max(errs.values()):.1e} between "
            "them): state is carried between calls")
    findings = tensor_findings(case, [second], judged, diags, note) or [
        call_finding(case, Diagnosis(UNKNOWN, "the second call differs from the first"), note,
                     "repeated calls disagree")]
    return failed(findings, "repeated calls disagree")
